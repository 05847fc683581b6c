//! Small helpers shared by the resource modules: path ids and value parsing.

use crate::error::{ApiError, ApiResult};

/// Validates a path id as a UUID (any case) and returns it lowercase; a malformed id is
/// answered like an unknown one, 404 (§2).
pub fn parse_id(raw: &str, resource: &str) -> ApiResult<String> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| ApiError::not_found(resource))
}

/// Whether `s` is a `#rrggbb` colour (§2).
pub fn is_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_validated_and_lowercased() {
        assert_eq!(
            parse_id("6F9619FF-8B86-4011-B42D-00C04FC964FF", "pass").unwrap(),
            "6f9619ff-8b86-4011-b42d-00c04fc964ff"
        );
        assert!(matches!(
            parse_id("nope", "pass"),
            Err(ApiError::NotFound(_))
        ));
    }

    #[test]
    fn colours_are_hex_triplets() {
        assert!(is_color("#CE8C46"));
        assert!(!is_color("#00000"));
        assert!(!is_color("rgb(1,2,3)"));
    }
}
