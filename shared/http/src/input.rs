use lambda_http::{http::StatusCode, Body, Request, RequestExt};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::Problem;

pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The request body as `T`. Not JSON → 400; too large → 413; JSON of the wrong shape
/// (missing field, wrong type) → 422 naming the field.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, Problem> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => b"",
        Body::Text(s) => s.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is {} bytes; the limit is {MAX_BODY_BYTES}", bytes.len()),
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::new(StatusCode::BAD_REQUEST, "malformed_json", "the body must be a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let msg = inner.to_string();
                let field = missing_field(&msg).map(|f| join_path(&path, f)).unwrap_or(path);
                let detail = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail).field(field)
            }
            _ => {
                Problem::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {inner}"))
            }
        }
    })
}

fn missing_field(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("missing field `")?;
    rest.split('`').next()
}

fn join_path(parent: &str, field: &str) -> String {
    if parent.is_empty() || parent == "." {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
}

pub fn parse_uuid(field: &str, raw: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(raw).map_err(|_| Problem::bad_request("invalid_uuid", field, format!("{field} must be a UUID")))
}

/// A list of UUIDs from a body field; a bad one is a 400 naming it as `field[i]`.
pub fn parse_uuids(field: &str, raw: &[String]) -> Result<Vec<Uuid>, Problem> {
    raw.iter().enumerate().map(|(i, id)| parse_uuid(&format!("{field}[{i}]"), id)).collect()
}

/// A UUID path parameter; a malformed one is a 400 naming it.
pub fn path_uuid(req: &Request, name: &str) -> Result<Uuid, Problem> {
    let params = req.path_parameters();
    let raw = params
        .first(name)
        .ok_or_else(|| Problem::bad_request("missing_parameter", name, format!("{name} is required")))?;
    parse_uuid(name, raw)
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters().first(name).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        password: String,
        nested: Option<Inner>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn req(body: &str) -> Request {
        Request::new(Body::Text(body.to_string()))
    }

    #[test]
    fn not_json_is_400() {
        let p = json_body::<Login>(&req("{nope")).unwrap_err();
        assert_eq!((p.status, p.code.as_str()), (400, "malformed_json"));
        let p = json_body::<Login>(&req("")).unwrap_err();
        assert_eq!(p.status, 400);
    }

    #[test]
    fn missing_field_is_422_naming_it() {
        let p = json_body::<Login>(&req(r#"{"email":"a@b.c"}"#)).unwrap_err();
        assert_eq!(p.status, 422);
        assert_eq!(p.field.as_deref(), Some("password"));
    }

    #[test]
    fn wrong_type_names_the_nested_field() {
        let p = json_body::<Login>(&req(r#"{"email":"a","password":"b","nested":{"count":"x"}}"#)).unwrap_err();
        assert_eq!(p.status, 422);
        assert_eq!(p.field.as_deref(), Some("nested.count"));
    }

    #[test]
    fn too_large_is_413() {
        let big = format!(r#"{{"email":"{}","password":"x"}}"#, "a".repeat(MAX_BODY_BYTES));
        assert_eq!(json_body::<Login>(&req(&big)).unwrap_err().status, 413);
    }

    #[test]
    fn bad_uuid_is_400() {
        let p = parse_uuid("userId", "not-a-uuid").unwrap_err();
        assert_eq!((p.status, p.field.as_deref()), (400, Some("userId")));
    }
}
