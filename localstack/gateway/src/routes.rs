use cs_manifest::{Auth, Manifest};

use crate::decode;

/// One HTTP route of the manifest, ready to match.
#[derive(Debug, Clone)]
pub struct Route {
    pub function: String,
    pub method: String,
    /// As written, e.g. `/users/{userId}`.
    pub path: String,
    pub auth: Auth,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    /// `{name+}`: the rest of the path.
    Greedy(String),
}

/// Path parameters by name, decoded.
pub type Params = Vec<(String, String)>;

pub enum Match<'a> {
    Found(&'a Route, Params),
    MethodNotAllowed(Vec<String>),
    NotFound,
}

impl Route {
    pub(crate) fn new(function: &str, method: &str, path: &str, auth: Auth) -> Self {
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => match name.strip_suffix('+') {
                    Some(greedy) => Segment::Greedy(greedy.to_string()),
                    None => Segment::Param(name.to_string()),
                },
                None => Segment::Literal(s.to_string()),
            })
            .collect();
        Route { function: function.into(), method: method.into(), path: path.into(), auth, segments }
    }

    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The path parameters if `parts` matches, with a specificity rank (lower is better:
    /// literals beat parameters beat greedy parameters, as API Gateway chooses).
    fn matches(&self, parts: &[&str]) -> Option<(u32, Params)> {
        let mut params = Vec::new();
        let mut rank = 0;
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Greedy(name) => {
                    if i >= parts.len() {
                        return None;
                    }
                    params.push((name.clone(), parts[i..].join("/")));
                    return Some((rank + 1000, params));
                }
                Segment::Literal(lit) => {
                    if parts.get(i) != Some(&lit.as_str()) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    let value = parts.get(i)?;
                    params.push((name.clone(), decode::path(value)));
                    rank += 1;
                }
            }
        }
        (parts.len() == self.segments.len()).then_some((rank, params))
    }
}

pub struct Router {
    pub routes: Vec<Route>,
}

impl Router {
    pub fn from_manifest(m: &Manifest) -> Self {
        let routes = m
            .functions
            .iter()
            .filter_map(|f| f.http_route().map(|(method, path)| Route::new(&f.name, method, path, f.auth)))
            .collect();
        Router { routes }
    }

    pub fn find(&self, method: &str, path: &str) -> Match<'_> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut best: Option<(u32, &Route, Params)> = None;
        let mut allowed = Vec::new();
        for route in &self.routes {
            let Some((rank, params)) = route.matches(&parts) else {
                continue;
            };
            if route.method != method {
                allowed.push(route.method.clone());
                continue;
            }
            if best.as_ref().is_none_or(|(r, _, _)| rank < *r) {
                best = Some((rank, route, params));
            }
        }
        match best {
            Some((_, route, params)) => Match::Found(route, params),
            None if !allowed.is_empty() => {
                allowed.sort();
                allowed.dedup();
                Match::MethodNotAllowed(allowed)
            }
            None => Match::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let r = |m, p| Route::new("f", m, p, Auth::None);
        Router {
            routes: vec![
                r("POST", "/users/register"),
                r("GET", "/users/{userId}"),
                r("PUT", "/users/{userId}"),
                r("GET", "/users/{userId}/followers"),
                r("GET", "/media/{key+}"),
            ],
        }
    }

    #[test]
    fn literal_routes_win_and_params_are_decoded() {
        let router = router();
        match router.find("POST", "/users/register") {
            Match::Found(route, params) => {
                assert_eq!((route.path.as_str(), params.len()), ("/users/register", 0))
            }
            _ => panic!("no match"),
        }
        match router.find("GET", "/users/a%20b/followers") {
            Match::Found(route, params) => {
                assert_eq!(route.path, "/users/{userId}/followers");
                assert_eq!(params, vec![("userId".to_string(), "a b".to_string())]);
            }
            _ => panic!("no match"),
        }
        match router.find("GET", "/media/a/b/c.png") {
            Match::Found(_, params) => assert_eq!(params[0].1, "a/b/c.png"),
            _ => panic!("no match"),
        }
    }

    #[test]
    fn wrong_method_is_405_with_allow_and_unknown_is_404() {
        match router().find("DELETE", "/users/123") {
            Match::MethodNotAllowed(allowed) => assert_eq!(allowed, vec!["GET", "PUT"]),
            _ => panic!("expected 405"),
        }
        assert!(matches!(router().find("GET", "/nope"), Match::NotFound));
        assert!(matches!(router().find("GET", "/users/1/followers/extra"), Match::NotFound));
    }

    /// API Gateway matches a route by method and path, and a literal segment wins only among
    /// the routes of the request's method: `GET /media/uploads` is `GET /media/{id}`. So the
    /// methods other routes accept on that path are allowed there too, and `Allow` (on a 405,
    /// and on an OPTIONS that is not a CORS preflight, which is a 405 like any other
    /// undeclared method) names them. tests/schemathesis.toml turns off the checks that
    /// expect otherwise for such paths.
    #[test]
    fn allow_names_every_method_routed_on_the_path() {
        let r = |m, p| Route::new("f", m, p, Auth::None);
        let router = Router { routes: vec![r("POST", "/media/uploads"), r("GET", "/media/{id}")] };
        assert!(matches!(router.find("GET", "/media/uploads"), Match::Found(route, _) if route.path == "/media/{id}"));
        for method in ["DELETE", "OPTIONS", "PUT", "HEAD"] {
            match router.find(method, "/media/uploads") {
                Match::MethodNotAllowed(allowed) => assert_eq!(allowed, ["GET", "POST"], "{method}"),
                _ => panic!("{method} /media/uploads: expected 405"),
            }
        }
    }
}
