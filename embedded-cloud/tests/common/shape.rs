//! Shape comparison of two JSON bodies (keys and value types, not values),
//! in the style of fixtures_walk.rs, with the null allowances passed in so
//! each caller states its own reasons.

use serde_json::Value;

pub struct Allow<'a> {
    /// Objects whose keys are data (metadata, resource classes, ...), not schema.
    pub free_form: &'a [&'a str],
    /// Keys we may answer null where the reference has a value.
    pub null_here: &'a [&'a str],
    /// Keys the reference has null where we have a value.
    pub null_there: &'a [&'a str],
    /// Keys present only in some states of an item (compared only when both have them).
    pub state_dependent: &'a [&'a str],
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Compare `mine` against `reference`; push every difference into `errs`.
pub fn compare(
    reference: &Value,
    mine: &Value,
    path: &str,
    key: &str,
    allow: &Allow,
    errs: &mut Vec<String>,
) {
    match (reference.is_null(), mine.is_null()) {
        (true, true) => return,
        (true, false) => {
            if !allow.null_there.contains(&key) {
                errs.push(format!(
                    "{path}: {} where the reference has null",
                    kind(mine)
                ));
            }
            return;
        }
        (false, true) => {
            if !allow.null_here.contains(&key) {
                errs.push(format!(
                    "{path}: null where the reference has {}",
                    kind(reference)
                ));
            }
            return;
        }
        _ => {}
    }
    if kind(reference) != kind(mine) {
        errs.push(format!(
            "{path}: {} where the reference has {}",
            kind(mine),
            kind(reference)
        ));
        return;
    }
    match (reference, mine) {
        (Value::Object(r), Value::Object(m)) => {
            if allow.free_form.contains(&key) {
                return;
            }
            let optional = |k: &str| allow.state_dependent.contains(&k);
            for k in r.keys() {
                if !m.contains_key(k) && !optional(k) {
                    errs.push(format!("{path}: missing key {k:?}"));
                }
            }
            for k in m.keys() {
                if !r.contains_key(k) && !optional(k) {
                    errs.push(format!("{path}: extra key {k:?}"));
                }
            }
            for (k, rv) in r {
                if let Some(mv) = m.get(k) {
                    compare(rv, mv, &format!("{path}.{k}"), k, allow, errs);
                }
            }
        }
        (Value::Array(r), Value::Array(m)) => {
            if r.is_empty() {
                return;
            }
            if m.is_empty() {
                errs.push(format!(
                    "{path}: empty where the reference has {} items",
                    r.len()
                ));
                return;
            }
            for (i, item) in m.iter().enumerate() {
                // Each of our items must match one of the reference's.
                let mut best: Option<Vec<String>> = None;
                for candidate in r {
                    let mut e = Vec::new();
                    compare(candidate, item, &format!("{path}[{i}]"), key, allow, &mut e);
                    if best.as_ref().is_none_or(|b| e.len() < b.len()) {
                        best = Some(e);
                    }
                }
                errs.extend(best.unwrap_or_default());
            }
        }
        _ => {}
    }
}
