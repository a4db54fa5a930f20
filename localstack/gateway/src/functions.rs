//! Every function of the manifest, built in-process with its service's `App`.

use std::{collections::HashMap, sync::Arc};

use cs_db::Migration;
use cs_http::{BoxResponse, Handler};
use cs_manifest::Manifest;

pub type Invoke = Arc<dyn Fn(lambda_http::Request) -> BoxResponse + Send + Sync>;

pub struct Functions {
    map: HashMap<String, Invoke>,
}

/// Every service's migrations, in the order they must run.
pub fn migrations() -> Vec<Migration> {
    user::MIGRATIONS.to_vec()
}

impl Functions {
    pub fn new(user: user::App, docs: api_docs::App) -> Self {
        let mut f = Functions {
            map: HashMap::new(),
        };
        f.bind(user, user::functions());
        f.bind(docs, api_docs::functions());
        f
    }

    fn bind<A: Send + Sync + 'static>(
        &mut self,
        app: A,
        handlers: Vec<(&'static str, Handler<A>)>,
    ) {
        let app = Arc::new(app);
        for (name, handler) in handlers {
            let app = Arc::clone(&app);
            self.map.insert(
                name.to_string(),
                Arc::new(move |req| handler(Arc::clone(&app), req)),
            );
        }
    }

    pub fn get(&self, name: &str) -> Option<&Invoke> {
        self.map.get(name)
    }

    /// Every HTTP function in the manifest must have a handler here.
    pub fn check_against(&self, manifest: &Manifest) -> anyhow::Result<()> {
        let missing: Vec<&str> = manifest
            .functions
            .iter()
            .filter(|f| f.http_route().is_some() && !self.map.contains_key(&f.name))
            .map(|f| f.name.as_str())
            .collect();
        anyhow::ensure!(
            missing.is_empty(),
            "manifest functions with no in-process handler: {missing:?}"
        );
        Ok(())
    }
}
