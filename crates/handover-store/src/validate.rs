//! Checks of user input; every failure is [`StoreError::Invalid`] naming the field.

use crate::StoreError;

/// Longest username, in characters.
pub(crate) const USERNAME_MAX: usize = 64;
/// Shortest password, in characters.
pub(crate) const PASSWORD_MIN: usize = 12;
/// Longest password, in characters (keeps hashing cheap for absurd input).
pub(crate) const PASSWORD_MAX: usize = 1024;
/// Longest API token name, in characters.
pub(crate) const TOKEN_NAME_MAX: usize = 64;
/// Longest audit action, in characters.
pub(crate) const ACTION_MAX: usize = 64;
/// Longest submitted file name, in characters.
pub(crate) const FILE_NAME_MAX: usize = 255;

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// User input as shown inside an error message: control characters escaped,
/// at most 64 characters.
pub(crate) fn shown(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(64)
        .collect::<String>()
        .escape_debug()
        .collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

fn is_name_char(c: char) -> bool {
    matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-')
}

pub(crate) fn username(u: &str) -> Result<(), StoreError> {
    let n = u.chars().count();
    if n == 0 {
        return Err(invalid("username", "must not be empty"));
    }
    if n > USERNAME_MAX {
        return Err(invalid(
            "username",
            format!("is {n} characters long; at most {USERNAME_MAX} are allowed"),
        ));
    }
    if !u.chars().all(is_name_char) {
        return Err(invalid(
            "username",
            format!("`{}` may contain only a-z, 0-9, '.', '_' and '-'", shown(u)),
        ));
    }
    Ok(())
}

pub(crate) fn password(p: &str) -> Result<(), StoreError> {
    let n = p.chars().count();
    if n < PASSWORD_MIN {
        return Err(invalid(
            "password",
            format!("is {n} characters long; it must have at least {PASSWORD_MIN}"),
        ));
    }
    if n > PASSWORD_MAX {
        return Err(invalid(
            "password",
            format!("is {n} characters long; at most {PASSWORD_MAX} are allowed"),
        ));
    }
    Ok(())
}

/// `None`, or two upper-case ASCII letters.
pub(crate) fn nation(field: &str, n: Option<&str>) -> Result<(), StoreError> {
    match n {
        None => Ok(()),
        Some(code) if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) => Ok(()),
        Some(code) => Err(invalid(
            field,
            format!(
                "`{}` is not a nation code: use two upper-case letters, e.g. FR",
                shown(code)
            ),
        )),
    }
}

pub(crate) fn token_name(name: &str) -> Result<(), StoreError> {
    let n = name.chars().count();
    if name.trim().is_empty() {
        return Err(invalid("name", "must not be empty"));
    }
    if n > TOKEN_NAME_MAX {
        return Err(invalid(
            "name",
            format!("is {n} characters long; at most {TOKEN_NAME_MAX} are allowed"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid(
            "name",
            format!("`{}` must not contain control characters", shown(name)),
        ));
    }
    Ok(())
}

pub(crate) fn action(a: &str) -> Result<(), StoreError> {
    let n = a.chars().count();
    if n == 0 {
        return Err(invalid("action", "must not be empty"));
    }
    if n > ACTION_MAX || !a.chars().all(is_name_char) {
        return Err(invalid(
            "action",
            format!(
                "`{}` must be 1 to {ACTION_MAX} of a-z, 0-9, '.', '_' and '-', e.g. login.failed",
                shown(a)
            ),
        ));
    }
    Ok(())
}

pub(crate) fn file_name(name: &str) -> Result<(), StoreError> {
    let n = name.chars().count();
    if name.trim().is_empty() {
        return Err(invalid("files", "a file name must not be empty"));
    }
    if n > FILE_NAME_MAX {
        return Err(invalid(
            "files",
            format!(
                "the file name `{}` is {n} characters long; at most {FILE_NAME_MAX} are allowed",
                shown(name)
            ),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid(
            "files",
            format!(
                "the file name `{}` must not contain control characters",
                shown(name)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: StoreError) -> String {
        match e {
            StoreError::Invalid { field, .. } => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn usernames() {
        for ok in ["a", "bob", "b.o_b-1", &"x".repeat(64)] {
            username(ok).unwrap();
        }
        for bad in ["", "Bob", "bob!", "bo b", "é", &"x".repeat(65)] {
            assert_eq!(field(username(bad).unwrap_err()), "username", "{bad}");
        }
        let msg = username("Bob!").unwrap_err().to_string();
        assert_eq!(
            msg,
            "username: `Bob!` may contain only a-z, 0-9, '.', '_' and '-'"
        );
    }

    #[test]
    fn passwords_count_characters_not_bytes() {
        password("twelve chars").unwrap();
        password(&"é".repeat(12)).unwrap();
        assert_eq!(field(password(&"é".repeat(11)).unwrap_err()), "password");
        assert_eq!(field(password("").unwrap_err()), "password");
        assert_eq!(field(password(&"x".repeat(1025)).unwrap_err()), "password");
    }

    #[test]
    fn nations() {
        nation("nation", None).unwrap();
        nation("nation", Some("FR")).unwrap();
        for bad in ["", "F", "fr", "FRA", "F1", "ÉÉ"] {
            assert_eq!(field(nation("nation", Some(bad)).unwrap_err()), "nation");
        }
    }

    #[test]
    fn shown_escapes_and_truncates() {
        assert_eq!(shown("a\nb"), "a\\nb");
        assert_eq!(shown(&"x".repeat(70)), format!("{}…", "x".repeat(64)));
    }

    #[test]
    fn actions_token_names_and_file_names() {
        action("login.failed").unwrap();
        assert_eq!(field(action("").unwrap_err()), "action");
        assert_eq!(field(action("Login").unwrap_err()), "action");
        token_name("CI script").unwrap();
        assert_eq!(field(token_name(" ").unwrap_err()), "name");
        assert_eq!(field(token_name("a\tb").unwrap_err()), "name");
        file_name("capabilities.csv").unwrap();
        assert_eq!(field(file_name("").unwrap_err()), "files");
        assert_eq!(field(file_name("a\0b").unwrap_err()), "files");
    }
}
