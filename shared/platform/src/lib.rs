//! How every service is built and run. A service implements [`Service`]: its own settings
//! from the environment, an `App` built from those and the [`Platform`] (the settings and
//! clients every service shares), and the table of its functions by manifest name. A Lambda
//! binary ([`lambda_main`]) and the local gateway build a service the same way, through
//! [`Service::new`], so defaults live in one place and a function cannot lack its handler.
//! [`prices`] is the one price table; [`meter`] prices each invocation.

mod lambda;
pub mod meter;
mod platform;
pub mod prices;
mod service;
mod settings;

pub use lambda::lambda_main;
pub use meter::Invocation;
pub use platform::Platform;
pub use service::{Function, Functions, Service};
pub use settings::{KeySource, Settings};
