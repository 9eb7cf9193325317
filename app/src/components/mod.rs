//! Pieces shared by several pages.

pub mod confirm_dialog;
pub mod error_box;
pub mod error_view;
pub mod fetch;
pub mod host_picker;
pub mod hydrated;
pub mod instance_table;
pub mod live_rows;
pub mod migrate_dialog;
pub mod more_menu;
pub mod toasts;

pub use error_view::ErrorView;
pub use hydrated::HydrationMarker;
pub use instance_table::InstanceTable;
pub use live_rows::{LiveRow, LiveRows};
pub use migrate_dialog::{DialogRequest, MigrateDialog};
pub use more_menu::MoreMenu;
pub use toasts::{ToastRegion, Toasts};
