//! Keystone's request schema for creating an application credential
//! (`keystone/application_credential/schema.py`), checked keyword by keyword
//! in the order jsonschema does, so the first failure and its text are the
//! ones Keystone reports ("Invalid input for field/attribute name. Value: ...").
//!
//! Python prints dicts in the request's key order; serde_json (without
//! `preserve_order`) sorts keys, so a dict in a message may be ordered
//! differently.

use serde_json::Value;

/// A schema failure: where (the last path element, as `ex.path.pop()` gives
/// it), what was there, and jsonschema's message.
struct Failure {
    at: Option<String>,
    instance: Value,
    message: String,
}

impl Failure {
    fn new(at: Option<&str>, instance: &Value, message: String) -> Self {
        Failure {
            at: at.map(String::from),
            instance: instance.clone(),
            message,
        }
    }

    /// `SchemaValidationError`'s detail as Keystone's validator words it.
    fn detail(&self) -> String {
        match &self.at {
            Some(at) => format!(
                "Invalid input for field/attribute {at}. Value: {}. {}",
                python_str(&self.instance),
                self.message
            ),
            None => self.message.clone(),
        }
    }
}

type Check = Result<(), Failure>;

/// The whole body; `Err` carries the 400's message.
pub fn check_create(body: &Value) -> Result<(), String> {
    top(body).map_err(|f| f.detail())
}

fn top(body: &Value) -> Check {
    if let Some(cred) = body.get("application_credential") {
        credential(cred)?;
    }
    required(body, None, &["application_credential"])?;
    no_others(body, None, &["application_credential"])
}

const FIELDS: &[&str] = &[
    "id",
    "secret",
    "name",
    "description",
    "expires_at",
    "project_id",
    "access_rules",
    "unrestricted",
    "system",
    "roles",
];

fn credential(v: &Value) -> Check {
    let at = Some("application_credential");
    of_type(v, at, &["object"])?;
    for field in FIELDS {
        let Some(x) = v.get(*field) else { continue };
        let at = Some(*field);
        match *field {
            "id" | "project_id" => of_type(x, at, &["string"])?,
            "secret" | "description" | "expires_at" | "system" => {
                of_type(x, at, &["string", "null"])?
            }
            "name" => name(x, at)?,
            "unrestricted" => of_type(x, at, &["boolean", "null"])?,
            "access_rules" => items(x, at, access_rule)?,
            "roles" => items(x, at, role)?,
            _ => {}
        }
    }
    no_others(v, at, FIELDS)?;
    required(v, at, &["name"])
}

fn items(v: &Value, at: Option<&str>, each: fn(&Value, &str) -> Check) -> Check {
    of_type(v, at, &["array"])?;
    for (i, item) in v.as_array().into_iter().flatten().enumerate() {
        each(item, &i.to_string())?;
    }
    Ok(())
}

fn access_rule(v: &Value, index: &str) -> Check {
    of_type(v, Some(index), &["object"])?;
    if let Some(x) = v.get("id") {
        id_string(x, Some("id"))?;
    }
    if let Some(x) = v.get("path") {
        of_type(x, Some("path"), &["string"])?;
        length(x, Some("path"), 0, 225)?;
        pattern(x, Some("path"), "^/\\.*", |s| s.starts_with('/'))?;
    }
    if let Some(x) = v.get("service") {
        id_string(x, Some("service"))?;
    }
    if let Some(x) = v.get("method") {
        of_type(x, Some("method"), &["string"])?;
        const METHODS: &[&str] = &["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"];
        if !x.as_str().is_some_and(|m| METHODS.contains(&m)) {
            let list: Vec<String> = METHODS.iter().map(|m| format!("'{m}'")).collect();
            return Err(Failure::new(
                Some("method"),
                x,
                format!("{} is not one of [{}]", python_repr(x), list.join(", ")),
            ));
        }
    }
    Ok(())
}

fn role(v: &Value, index: &str) -> Check {
    let at = Some(index);
    of_type(v, at, &["object"])?;
    if let Some(x) = v.get("id") {
        id_string(x, Some("id"))?;
    }
    if let Some(x) = v.get("name") {
        name(x, Some("name"))?;
    }
    let n = v.as_object().map_or(0, |o| o.len());
    if n < 1 {
        return Err(Failure::new(
            at,
            v,
            format!("{} should be non-empty", python_repr(v)),
        ));
    }
    if n > 1 {
        return Err(Failure::new(
            at,
            v,
            format!("{} has too many properties", python_repr(v)),
        ));
    }
    no_others(v, at, &["id", "name"])
}

/// `parameter_types.name`.
fn name(v: &Value, at: Option<&str>) -> Check {
    of_type(v, at, &["string"])?;
    length(v, at, 1, 255)?;
    pattern(v, at, "[\\S]+", |s| s.chars().any(|c| !c.is_whitespace()))
}

/// `parameter_types.id_string`.
fn id_string(v: &Value, at: Option<&str>) -> Check {
    of_type(v, at, &["string"])?;
    length(v, at, 1, 64)?;
    pattern(v, at, "^[a-zA-Z0-9-]+$", |s| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

fn of_type(v: &Value, at: Option<&str>, types: &[&str]) -> Check {
    let is = |t: &str| match t {
        "string" => v.is_string(),
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    };
    if types.iter().any(|t| is(t)) {
        return Ok(());
    }
    let names: Vec<String> = types.iter().map(|t| format!("'{t}'")).collect();
    Err(Failure::new(
        at,
        v,
        format!("{} is not of type {}", python_repr(v), names.join(", ")),
    ))
}

/// Python's `len` counts code points, as `chars` does.
fn length(v: &Value, at: Option<&str>, min: usize, max: usize) -> Check {
    let Some(s) = v.as_str() else { return Ok(()) };
    let n = s.chars().count();
    let message = if n < min {
        if min == 1 {
            "should be non-empty"
        } else {
            "is too short"
        }
    } else if n > max {
        "is too long"
    } else {
        return Ok(());
    };
    Err(Failure::new(at, v, format!("{} {message}", python_repr(v))))
}

fn pattern(v: &Value, at: Option<&str>, shown: &str, matches: fn(&str) -> bool) -> Check {
    let Some(s) = v.as_str() else { return Ok(()) };
    if matches(s) {
        return Ok(());
    }
    Err(Failure::new(
        at,
        v,
        format!(
            "{} does not match {}",
            python_repr(v),
            python_repr(&Value::String(shown.to_string()))
        ),
    ))
}

fn required(v: &Value, at: Option<&str>, names: &[&str]) -> Check {
    let Some(o) = v.as_object() else {
        return Ok(());
    };
    match names.iter().find(|n| !o.contains_key(**n)) {
        Some(n) => Err(Failure::new(at, v, format!("'{n}' is a required property"))),
        None => Ok(()),
    }
}

/// `additionalProperties: false`; jsonschema lists the extras sorted.
fn no_others(v: &Value, at: Option<&str>, allowed: &[&str]) -> Check {
    let Some(o) = v.as_object() else {
        return Ok(());
    };
    let mut extras: Vec<&String> = o
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .collect();
    if extras.is_empty() {
        return Ok(());
    }
    extras.sort();
    let verb = if extras.len() == 1 { "was" } else { "were" };
    let listed: Vec<String> = extras
        .iter()
        .map(|k| python_repr(&Value::String((*k).clone())))
        .collect();
    Err(Failure::new(
        at,
        v,
        format!(
            "Additional properties are not allowed ({} {verb} unexpected)",
            listed.join(", ")
        ),
    ))
}

/// Python's `str()` of a parsed JSON value: strings bare, the rest as `repr`.
fn python_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Python's `repr()` of a parsed JSON value.
pub fn python_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_repr(s),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(python_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .map(|(k, x)| format!("{}: {}", string_repr(k), python_repr(x)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Single quotes unless the text has one and no double quote, like Python.
fn string_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detail(v: Value) -> String {
        check_create(&v).expect_err("should fail")
    }

    #[test]
    fn messages_match_keystones() {
        assert_eq!(
            detail(json!({})),
            "'application_credential' is a required property"
        );
        assert_eq!(
            detail(json!({"application_credential": {}})),
            "Invalid input for field/attribute application_credential. Value: {}. 'name' is a required property"
        );
        assert_eq!(
            detail(json!({"application_credential": {"name": 5}})),
            "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'"
        );
        assert_eq!(
            detail(json!({"application_credential": {"name": "  "}})),
            "Invalid input for field/attribute name. Value:   . '  ' does not match '[\\\\S]+'"
        );
        assert_eq!(
            detail(json!({"application_credential": {"name": "a", "unrestricted": "yes"}})),
            "Invalid input for field/attribute unrestricted. Value: yes. 'yes' is not of type 'boolean', 'null'"
        );
        assert_eq!(
            detail(json!({"application_credential": {"name": "a", "roles": [{"id": "x", "name": "y"}]}})),
            "Invalid input for field/attribute 0. Value: {'id': 'x', 'name': 'y'}. {'id': 'x', 'name': 'y'} has too many properties"
        );
        assert_eq!(
            detail(json!({"application_credential": {"name": "a", "colour": "red", "b": 1}})),
            "Invalid input for field/attribute application_credential. Value: {'b': 1, 'colour': 'red', 'name': 'a'}. Additional properties are not allowed ('b', 'colour' were unexpected)"
        );
        assert!(check_create(&json!({"application_credential": {
            "name": "rec", "description": null, "expires_at": "2030-01-01T00:00:00Z",
            "roles": [{"name": "member"}], "unrestricted": false,
            "access_rules": [{"service": "compute", "path": "/servers", "method": "GET"}]
        }}))
        .is_ok());
    }

    #[test]
    fn python_quotes_like_python() {
        assert_eq!(python_repr(&json!("it's")), "\"it's\"");
        assert_eq!(python_repr(&json!("a\"b'c")), "'a\"b\\'c'");
        assert_eq!(python_repr(&json!([null, true, 1.5])), "[None, True, 1.5]");
    }
}
