//! Pieces shared by several pages.

pub mod error_view;
pub mod hydrated;

pub use error_view::ErrorView;
pub use hydrated::HydrationMarker;
