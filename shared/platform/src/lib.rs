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

/// `cell`'s value, built by `build` the first time one succeeds (std's
/// `OnceLock::get_or_try_init` is not stable): a failure is returned and not kept, so the next
/// call tries again.
pub fn get_or_try_init<T, E>(cell: &std::sync::OnceLock<T>, build: impl FnOnce() -> Result<T, E>) -> Result<&T, E> {
    if let Some(value) = cell.get() {
        return Ok(value);
    }
    let value = build()?;
    Ok(cell.get_or_init(|| value))
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    #[test]
    fn a_failure_is_not_kept_and_a_success_is() {
        let cell = OnceLock::new();
        assert_eq!(super::get_or_try_init(&cell, || Err("down")), Err("down"));
        assert_eq!(super::get_or_try_init(&cell, || Ok::<_, &str>(1)), Ok(&1));
        assert_eq!(super::get_or_try_init(&cell, || Ok::<_, &str>(2)), Ok(&1));
    }
}
