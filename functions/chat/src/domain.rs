//! Input rules of the chat service: pure functions, unit-tested here.

use uuid::Uuid;

use crate::ChatError;

/// Characters in a message.
pub const MAX_BODY_CHARS: usize = 4000;
pub const MAX_NAME_CHARS: usize = 100;
/// Members of a group, the creator included.
pub const MAX_MEMBERS: usize = 256;
pub const MAX_CLIENT_ID_CHARS: usize = 100;

fn invalid(field: &'static str, message: impl Into<String>) -> ChatError {
    ChatError::Invalid { field, message: message.into() }
}

/// A message body: trimmed, not empty, at most `MAX_BODY_CHARS`.
pub fn message_body(raw: &str) -> Result<String, ChatError> {
    let body = raw.trim();
    if body.is_empty() {
        return Err(invalid("body", "body must not be empty"));
    }
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(invalid("body", format!("body is {chars} characters; the limit is {MAX_BODY_CHARS}")));
    }
    Ok(body.to_string())
}

/// The sender's id for a message (retries reuse it); one is made up when none is sent.
pub fn client_id(raw: Option<&str>) -> Result<String, ChatError> {
    match raw {
        None => Ok(Uuid::new_v4().to_string()),
        Some(id) if id.is_empty() || id.chars().count() > MAX_CLIENT_ID_CHARS => {
            Err(invalid("clientId", format!("clientId must be 1 to {MAX_CLIENT_ID_CHARS} characters")))
        }
        Some(id) => Ok(id.to_string()),
    }
}

/// What `POST /conversations` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewConversation {
    /// The caller and one other user, no name: the pair's one direct conversation.
    Direct { other: Uuid },
    /// The caller and everyone else named, under an optional name.
    Group { name: Option<String>, others: Vec<Uuid> },
}

pub fn new_conversation(me: Uuid, member_ids: &[Uuid], name: Option<&str>) -> Result<NewConversation, ChatError> {
    let mut others: Vec<Uuid> = Vec::with_capacity(member_ids.len());
    for id in member_ids {
        if *id != me && !others.contains(id) {
            others.push(*id);
        }
    }
    if others.is_empty() {
        return Err(invalid("memberIds", "name at least one member besides yourself"));
    }
    if others.len() + 1 > MAX_MEMBERS {
        return Err(invalid("memberIds", format!("a conversation has at most {MAX_MEMBERS} members")));
    }
    let name = match name.map(str::trim) {
        None => None,
        Some("") => return Err(invalid("name", "name must not be blank")),
        Some(n) if n.chars().count() > MAX_NAME_CHARS => {
            return Err(invalid("name", format!("name is over {MAX_NAME_CHARS} characters")))
        }
        Some(n) => Some(n.to_string()),
    };
    Ok(match (others.as_slice(), name) {
        ([other], None) => NewConversation::Direct { other: *other },
        (_, name) => NewConversation::Group { name, others },
    })
}

/// The two members of a direct conversation in the order the table keys them.
pub fn pair(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a < b {
        (a, b)
    } else {
        (b, a)
    }
}

/// The token a WebSocket client sent with `$connect`, and the subprotocol to answer with.
/// Browsers cannot set headers on a WebSocket, so the token comes as the query parameter
/// `token` or as one of the offered subprotocols (`new WebSocket(url, ["connectsphere", token])`);
/// the answer must then name one of the offered protocols, or the browser drops the socket.
pub fn connect_token(query_token: Option<&str>, protocols: Option<&str>) -> Option<(String, Option<String>)> {
    if let Some(token) = query_token.filter(|t| !t.is_empty()) {
        return Some((token.to_string(), None));
    }
    let offered: Vec<&str> = protocols?.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    let token = offered.iter().find(|p| p.matches('.').count() == 2)?;
    let answer = offered.iter().find(|p| *p != token).unwrap_or(token);
    Some((token.to_string(), Some(answer.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_other_member_and_no_name_is_the_direct_conversation() {
        let (me, a, b) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(new_conversation(me, &[a], None).unwrap(), NewConversation::Direct { other: a });
        assert_eq!(new_conversation(me, &[me, a, a], None).unwrap(), NewConversation::Direct { other: a });
        assert_eq!(
            new_conversation(me, &[a], Some(" Trip ")).unwrap(),
            NewConversation::Group { name: Some("Trip".into()), others: vec![a] }
        );
        assert_eq!(
            new_conversation(me, &[a, b], None).unwrap(),
            NewConversation::Group { name: None, others: vec![a, b] }
        );
    }

    #[test]
    fn bad_member_lists_and_names_name_the_field() {
        let me = Uuid::new_v4();
        let field = |r: Result<NewConversation, ChatError>| match r {
            Err(ChatError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(new_conversation(me, &[], None)), "memberIds");
        assert_eq!(field(new_conversation(me, &[me], None)), "memberIds");
        let crowd: Vec<Uuid> = (0..MAX_MEMBERS).map(|_| Uuid::new_v4()).collect();
        assert_eq!(field(new_conversation(me, &crowd, None)), "memberIds");
        assert_eq!(field(new_conversation(me, &[Uuid::new_v4()], Some("  "))), "name");
        assert_eq!(field(new_conversation(me, &[Uuid::new_v4()], Some(&"n".repeat(101)))), "name");
    }

    #[test]
    fn bodies_are_trimmed_and_bounded() {
        assert_eq!(message_body("  hi \n").unwrap(), "hi");
        assert!(message_body(" \n ").is_err());
        assert!(message_body(&"é".repeat(MAX_BODY_CHARS)).is_ok());
        assert!(message_body(&"é".repeat(MAX_BODY_CHARS + 1)).is_err());
        assert!(client_id(Some("")).is_err());
        assert_ne!(client_id(None).unwrap(), client_id(None).unwrap());
    }

    #[test]
    fn the_token_comes_from_the_query_or_a_subprotocol() {
        assert_eq!(connect_token(Some("a.b.c"), Some("x")), Some(("a.b.c".into(), None)));
        assert_eq!(
            connect_token(None, Some("connectsphere, a.b.c")),
            Some(("a.b.c".into(), Some("connectsphere".into())))
        );
        assert_eq!(connect_token(None, Some("a.b.c")), Some(("a.b.c".into(), Some("a.b.c".into()))));
        assert_eq!(connect_token(None, Some("connectsphere")), None);
        assert_eq!(connect_token(Some(""), None), None);
    }

    #[test]
    fn pairs_are_ordered() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(pair(a, b), pair(b, a));
        assert!(pair(a, b).0 < pair(a, b).1);
    }
}
