//! The sliding window: which waiting instances to start now.
//!
//! A true window, not batches: a slot freed by one migration is refilled at once, where Watcher's
//! chunks wait for the slowest of the previous batch.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::plan::{Move, PlannedInstance};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Planned to move, not started.
    Waiting,
    /// Asked of Nova, which has not started it yet (it may queue behind
    /// `max_concurrent_live_migrations` on the source): it holds a slot all the same.
    Queued,
    Moving,
    Moved,
    Failed,
    /// The plan skipped it; it never takes a slot.
    Skipped,
    Cancelled,
}

impl ItemState {
    pub fn in_flight(self) -> bool {
        matches!(self, ItemState::Queued | ItemState::Moving)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowItem {
    pub id: String,
    pub state: ItemState,
    /// The id of its anti-affinity group, hard or soft; `None` for any other group.
    pub anti_affinity_group: Option<String>,
}

impl WindowItem {
    /// The item for a planned instance, before the drain starts.
    pub fn from_plan(p: &PlannedInstance) -> WindowItem {
        WindowItem {
            id: p.id.clone(),
            state: match p.move_ {
                Move::Skip(_) => ItemState::Skipped,
                Move::Live | Move::ColdThenConfirm => ItemState::Waiting,
            },
            anti_affinity_group: p
                .group
                .as_ref()
                .filter(|g| g.is_anti_affinity())
                .map(|g| g.id.clone()),
        }
    }
}

/// The ids of the waiting items to start now, in plan order, so that at most `parallel` are in
/// flight (Queued or Moving). Lowering `parallel` below what is in flight starts nothing and stops
/// nothing: the window shrinks as those finish. `parallel` 0 therefore holds the drain.
///
/// Two members of one anti-affinity group are never in flight together: each is scheduled
/// without knowing where the other is going, so with hard anti-affinity the second can lose the
/// race on the destination and fail late, and with soft both can land on one host; and the group
/// is usually replicas of one service, which should not all pause at once. A waiting member whose
/// group is busy is passed over, not waited for, so the window stays full; it starts in a later
/// call once its sibling has finished.
pub fn next_to_start(items: &[WindowItem], parallel: u8) -> Vec<String> {
    let in_flight = items.iter().filter(|i| i.state.in_flight()).count();
    let mut free = usize::from(parallel).saturating_sub(in_flight);
    let mut busy: HashSet<&str> = items
        .iter()
        .filter(|i| i.state.in_flight())
        .filter_map(|i| i.anti_affinity_group.as_deref())
        .collect();
    let mut start = Vec::new();
    for item in items.iter().filter(|i| i.state == ItemState::Waiting) {
        if free == 0 {
            break;
        }
        if let Some(g) = item.anti_affinity_group.as_deref() {
            if !busy.insert(g) {
                continue;
            }
        }
        start.push(item.id.clone());
        free -= 1;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::GroupRef;
    use ItemState::*;

    fn item(id: &str, state: ItemState, group: Option<&str>) -> WindowItem {
        WindowItem {
            id: id.into(),
            state,
            anti_affinity_group: group.map(String::from),
        }
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fills_the_window_in_plan_order() {
        let items = [
            item("a", Waiting, None),
            item("b", Waiting, None),
            item("c", Waiting, None),
        ];
        assert_eq!(next_to_start(&items, 2), ids(&["a", "b"]));
        assert_eq!(next_to_start(&items, 10), ids(&["a", "b", "c"]));
    }

    #[test]
    fn in_flight_counts_queued_and_moving_only() {
        let cases: &[(&[WindowItem], u8, &[&str])] = &[
            (
                &[
                    item("a", Moving, None),
                    item("b", Waiting, None),
                    item("c", Waiting, None),
                ],
                2,
                &["b"],
            ),
            (
                &[
                    item("a", Queued, None),
                    item("b", Moving, None),
                    item("c", Waiting, None),
                ],
                2,
                &[],
            ),
            (
                &[
                    item("a", Moved, None),
                    item("b", Failed, None),
                    item("c", Skipped, None),
                    item("d", Cancelled, None),
                    item("e", Waiting, None),
                    item("f", Waiting, None),
                ],
                2,
                &["e", "f"],
            ),
            // Only waiting items are started: never a skipped, failed or cancelled one.
            (&[item("a", Skipped, None), item("b", Failed, None)], 5, &[]),
        ];
        for (items, parallel, want) in cases {
            assert_eq!(next_to_start(items, *parallel), ids(want), "{items:?}");
        }
    }

    #[test]
    fn shrinking_the_window_stops_nothing_and_starts_fewer() {
        let mut items = vec![
            item("a", Moving, None),
            item("b", Moving, None),
            item("c", Queued, None),
            item("d", Waiting, None),
            item("e", Waiting, None),
        ];
        // From 3 down to 1: three stay in flight, nothing starts.
        assert!(next_to_start(&items, 1).is_empty());
        assert!(next_to_start(&items, 0).is_empty());
        // Two finish: still one in flight, which is the new window.
        items[0].state = Moved;
        items[1].state = Failed;
        assert!(next_to_start(&items, 1).is_empty());
        items[2].state = Moved;
        assert_eq!(next_to_start(&items, 1), ids(&["d"]));
        // And widened again while it runs.
        assert_eq!(next_to_start(&items, 4), ids(&["d", "e"]));
    }

    #[test]
    fn never_two_of_one_anti_affinity_group_together() {
        let items = [
            item("db-1", Waiting, Some("g-db")),
            item("db-2", Waiting, Some("g-db")),
            item("web-1", Waiting, None),
            item("db-3", Waiting, Some("g-db")),
        ];
        // Not started together, and the window stays full by passing over db-2.
        assert_eq!(next_to_start(&items, 2), ids(&["db-1", "web-1"]));
        assert_eq!(next_to_start(&items, 10), ids(&["db-1", "web-1"]));
    }

    #[test]
    fn never_one_while_a_member_is_in_flight() {
        for state in [Queued, Moving] {
            let items = [
                item("db-1", state, Some("g-db")),
                item("db-2", Waiting, Some("g-db")),
                item("mq-1", Waiting, Some("g-mq")),
            ];
            assert_eq!(next_to_start(&items, 5), ids(&["mq-1"]), "{state:?}");
        }
        // Once db-1 is done (whatever the outcome), db-2 may go.
        for state in [Moved, Failed, Cancelled] {
            let items = [
                item("db-1", state, Some("g-db")),
                item("db-2", Waiting, Some("g-db")),
            ];
            assert_eq!(next_to_start(&items, 5), ids(&["db-2"]), "{state:?}");
        }
    }

    #[test]
    fn from_plan_keeps_only_anti_affinity_groups() {
        let planned = |move_: Move, policy: &str| PlannedInstance {
            id: "i".into(),
            name: "n".into(),
            project_id: "p".into(),
            status: "ACTIVE".into(),
            move_,
            group: Some(GroupRef {
                id: "g".into(),
                name: "g".into(),
                policy: policy.into(),
            }),
            vcpus: Some(1),
            ram_mb: Some(512),
            disk_gb: Some(1),
            cold_fallback: false,
        };
        let cases = [
            ("anti-affinity", Some("g")),
            ("soft-anti-affinity", Some("g")),
            ("affinity", None),
            ("soft-affinity", None),
        ];
        for (policy, want) in cases {
            let w = WindowItem::from_plan(&planned(Move::Live, policy));
            assert_eq!(w.anti_affinity_group.as_deref(), want, "{policy}");
            assert_eq!(w.state, Waiting);
        }
        let w = WindowItem::from_plan(&planned(Move::Skip("locked".into()), "affinity"));
        assert_eq!(w.state, Skipped);
        let w = WindowItem::from_plan(&planned(Move::ColdThenConfirm, "affinity"));
        assert_eq!(w.state, Waiting);
    }

    #[test]
    fn states_are_snake_case_json() {
        assert_eq!(serde_json::to_value(Moving).unwrap(), "moving");
        assert_eq!(
            serde_json::from_value::<ItemState>("cancelled".into()).unwrap(),
            Cancelled
        );
        let w = item("a", Queued, Some("g"));
        let j = serde_json::to_value(&w).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"id": "a", "state": "queued", "anti_affinity_group": "g"})
        );
    }
}
