//! Email addresses of agents and admins: one simple rule for what counts
//! as an address (docs/protocol.md); delivery is the only real check.

use crate::api::validate;
use crate::error::{ApiError, ApiResult};

/// The longest email address accepted (what fits in an SMTP path, RFC 5321).
pub const EMAIL_MAX: usize = 254;

/// An email address, by a simple rule (docs/protocol.md): at most
/// [`EMAIL_MAX`] characters, no spaces or control characters, exactly one
/// `@` with a non-empty local part before it and a domain with a dot after
/// it, whose labels are not empty (`ada@example.com`). Delivery is the only
/// real check; this catches typing slips and text that is not an address.
pub fn email(field: &str, value: &str) -> ApiResult<String> {
    let email = value.trim();
    let bad = |why: &str| {
        ApiError::invalid(
            field,
            format!("`{}` is not an email address: {why}", validate::clip(email)),
        )
    };
    if email.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    let length = email.chars().count();
    if length > EMAIL_MAX {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {EMAIL_MAX} characters (got {length})"),
        ));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it must not contain spaces or control characters"));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(bad("it needs an @"));
    };
    if domain.contains('@') {
        return Err(bad("it must have only one @"));
    }
    if local.is_empty() {
        return Err(bad("it needs a name before the @"));
    }
    if !domain.contains('.') || domain.split('.').any(str::is_empty) {
        return Err(bad(
            "it needs a domain with a dot after the @, like example.com",
        ));
    }
    Ok(email.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_one_at_a_local_part_and_a_domain_with_a_dot() {
        assert_eq!(
            email("email", " ada@example.com ").unwrap(),
            "ada@example.com"
        );
        for good in ["a.b+tag@mail.example.co.uk", "x@a.io", "ADA@Example.COM"] {
            assert_eq!(email("email", good).unwrap(), good);
        }
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@example.",
            "ada@.com",
            "ada@example..com",
            "ada@b@example.com",
            "a da@example.com",
            "ada@exam\nple.com",
            "ada\u{0}@example.com",
            "ada@exa\u{7f}mple.com",
        ] {
            let error = email("email", bad).unwrap_err();
            assert_eq!(error.status().as_u16(), 422, "{bad:?}");
            assert!(error.message().starts_with("email:"), "{bad:?}: {error:?}");
        }
    }

    #[test]
    fn an_email_is_at_most_254_characters() {
        let at_limit = format!("{}@example.com", "a".repeat(EMAIL_MAX - 12));
        assert_eq!(at_limit.len(), EMAIL_MAX);
        assert!(email("email", &at_limit).is_ok());
        let over = format!("a{at_limit}");
        assert!(email("email", &over).unwrap_err().message().contains("254"));
    }
}
