use std::{
    ops::Deref,
    sync::{Arc, OnceLock},
};

/// An SDK client built on first use. Building one loads and parses the TLS root
/// certificates (145 of them on Debian), so a function pays for a client only if it calls
/// that service: a `user-get` builds none at its cold start. Clones share the client.
pub struct Lazy<C> {
    client: Arc<OnceLock<C>>,
    make: Arc<dyn Fn() -> C + Send + Sync>,
}

impl<C> Lazy<C> {
    pub fn new(make: impl Fn() -> C + Send + Sync + 'static) -> Self {
        Lazy { client: Arc::new(OnceLock::new()), make: Arc::new(make) }
    }
}

impl<C> Clone for Lazy<C> {
    fn clone(&self) -> Self {
        Lazy { client: Arc::clone(&self.client), make: Arc::clone(&self.make) }
    }
}

impl<C> Deref for Lazy<C> {
    type Target = C;

    fn deref(&self) -> &C {
        self.client.get_or_init(|| (self.make)())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn is_built_once_on_first_use_and_shared_by_clones() {
        let built = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&built);
        let lazy = Lazy::new(move || counter.fetch_add(1, Ordering::SeqCst) + 100);
        let clone = lazy.clone();
        assert_eq!(built.load(Ordering::SeqCst), 0, "built before anything used it");
        assert_eq!(*clone, 100);
        assert_eq!(*lazy, 100);
        assert_eq!(built.load(Ordering::SeqCst), 1);
    }
}
