//! Collection query strings (§4): pagination, `q[attr_predicate]` filters and `q[s]` order.
//!
//! The console builds list URLs with [`ListQuery::to_query_string`]; the server parses
//! the same parameters. Keeping both directions here keeps them in step.

use serde::{Deserialize, Serialize};

/// Filter predicates (§4.2). `match` is accepted as an alias of `matches`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Predicate {
    Eq,
    NotEq,
    Matches,
    Lt,
    Lteq,
    Gt,
    Gteq,
    Cont,
}

impl Predicate {
    /// Every predicate; longer suffixes first so `not_eq` is tried before `eq`.
    pub const ALL: &'static [(&'static str, Predicate)] = &[
        ("not_eq", Predicate::NotEq),
        ("matches", Predicate::Matches),
        ("match", Predicate::Matches),
        ("lteq", Predicate::Lteq),
        ("gteq", Predicate::Gteq),
        ("cont", Predicate::Cont),
        ("eq", Predicate::Eq),
        ("lt", Predicate::Lt),
        ("gt", Predicate::Gt),
    ];

    /// The canonical suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            Predicate::Eq => "eq",
            Predicate::NotEq => "not_eq",
            Predicate::Matches => "matches",
            Predicate::Lt => "lt",
            Predicate::Lteq => "lteq",
            Predicate::Gt => "gt",
            Predicate::Gteq => "gteq",
            Predicate::Cont => "cont",
        }
    }

    /// Splits `name_cont` into (`name`, `Cont`).
    pub fn split(key: &str) -> Option<(&str, Predicate)> {
        Predicate::ALL.iter().find_map(|(suffix, p)| {
            let attr = key.strip_suffix(suffix)?.strip_suffix('_')?;
            (!attr.is_empty()).then_some((attr, *p))
        })
    }
}

/// One filter: attribute, predicate, raw value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    pub attribute: String,
    pub predicate: Predicate,
    pub value: String,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Asc,
    Desc,
}

/// The state of a list view: page, page size, filters and ordering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListQuery {
    pub page: u32,
    pub per_page: u32,
    pub filters: Vec<Filter>,
    pub sort: Option<(String, Direction)>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            page: 1,
            per_page: 25,
            filters: Vec::new(),
            sort: None,
        }
    }
}

/// Default page size (§4.1).
pub const DEFAULT_PER_PAGE: u32 = 25;
/// Largest page size (§4.1).
pub const MAX_PER_PAGE: u32 = 50;

/// Largest `page` accepted (§4.1 gives no upper bound; anything above this is a 400, so
/// the offset arithmetic can never overflow and a 32-bit client can always read it).
pub const MAX_PAGE: i64 = i32::MAX as i64;
/// Largest `offset` accepted (the window start `offset + (page - 1) * per_page` then
/// stays far inside a signed 64-bit integer, which both databases take).
pub const MAX_OFFSET: i64 = 1_000_000_000_000;

impl ListQuery {
    /// Parses decoded `(key, value)` pairs as the contract describes: bad numbers fall
    /// back to defaults, values are clamped, unknown parameters are ignored. A `page`
    /// above [`MAX_PAGE`] is clamped to it here; the server refuses it with
    /// [`ListQuery::try_from_pairs`].
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut q = ListQuery::default();
        for (k, v) in pairs {
            q.apply(k, v, &mut |_| ());
        }
        q
    }

    /// Like [`ListQuery::from_pairs`], but a `page` larger than [`MAX_PAGE`] and a filter
    /// value holding U+0000 are errors (the message says which parameter and why).
    pub fn try_from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, String> {
        let mut q = ListQuery::default();
        let mut error = None;
        for (k, v) in pairs {
            q.apply(k, v, &mut |m| {
                error.get_or_insert(m);
            });
        }
        match error {
            Some(m) => Err(m),
            None => Ok(q),
        }
    }

    fn apply(&mut self, k: &str, v: &str, refuse: &mut dyn FnMut(String)) {
        match k {
            "page" => {
                self.page = match v.trim().parse::<i64>() {
                    Ok(p) if p > MAX_PAGE => {
                        refuse(format!("page must be at most {MAX_PAGE}"));
                        MAX_PAGE as u32
                    }
                    Ok(p) if p >= 1 => p as u32,
                    // A number too long for 64 bits is out of range too, not "non-integer"
                    // (a negative one is simply below 1).
                    Err(_) if is_big_integer(v) && !v.trim().starts_with('-') => {
                        refuse(format!("page must be at most {MAX_PAGE}"));
                        MAX_PAGE as u32
                    }
                    _ => 1,
                }
            }
            "per_page" => {
                self.per_page = match v.trim().parse::<i64>() {
                    Ok(n) => n.clamp(1, MAX_PER_PAGE as i64) as u32,
                    Err(_) if is_big_integer(v) => {
                        if v.trim().starts_with('-') {
                            1
                        } else {
                            MAX_PER_PAGE
                        }
                    }
                    Err(_) => DEFAULT_PER_PAGE,
                }
            }
            _ => {
                let Some(inner) = k.strip_prefix("q[").and_then(|r| r.strip_suffix(']')) else {
                    return;
                };
                if v.contains('\0') {
                    refuse(format!("q[{inner}] must not contain the character U+0000"));
                    return;
                }
                if inner == "s" {
                    let mut parts = v.split_whitespace();
                    if let Some(attr) = parts.next() {
                        let dir = match parts.next().map(str::to_ascii_lowercase).as_deref() {
                            Some("desc") => Direction::Desc,
                            _ => Direction::Asc,
                        };
                        self.sort = Some((attr.to_string(), dir));
                    }
                } else if let Some((attr, predicate)) = Predicate::split(inner) {
                    self.filters.push(Filter {
                        attribute: attr.to_string(),
                        predicate,
                        value: v.to_string(),
                    });
                }
            }
        }
    }

    /// Renders the query as URL parameters (percent-encoded), omitting defaults.
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        if self.page != 1 {
            parts.push(format!("page={}", self.page));
        }
        if self.per_page != DEFAULT_PER_PAGE {
            parts.push(format!("per_page={}", self.per_page));
        }
        for f in &self.filters {
            parts.push(format!(
                "{}={}",
                encode(&format!("q[{}_{}]", f.attribute, f.predicate.suffix())),
                encode(&f.value)
            ));
        }
        if let Some((attr, dir)) = &self.sort {
            let d = match dir {
                Direction::Asc => "asc",
                Direction::Desc => "desc",
            };
            parts.push(format!("{}={}+{}", encode("q[s]"), encode(attr), d));
        }
        parts.join("&")
    }
}

/// Whether `v` is an integer written with more digits than an `i64` holds.
fn is_big_integer(v: &str) -> bool {
    let t = v.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Parses an `offset` parameter (§4.1): absent, negative or non-integer is 0; above
/// [`MAX_OFFSET`] is an error.
pub fn parse_offset(v: Option<&str>) -> Result<i64, String> {
    let Some(v) = v else { return Ok(0) };
    match v.trim().parse::<i64>() {
        Ok(n) if n > MAX_OFFSET => Err(format!("offset must be at most {MAX_OFFSET}")),
        Ok(n) => Ok(n.max(0)),
        Err(_) if is_big_integer(v) && !v.trim().starts_with('-') => {
            Err(format!("offset must be at most {MAX_OFFSET}"))
        }
        Err(_) => Ok(0),
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(v) => {
                    out.push(v);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits and decodes a raw query string into pairs.
pub fn parse_pairs(raw: &str) -> Vec<(String, String)> {
    raw.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> ListQuery {
        let pairs = parse_pairs(raw);
        ListQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    #[test]
    fn contract_example_parses() {
        let q = parse("q[name_eq]=Una%20Salus%20Victus&q[redeemed_count_eq]=0&q[s]=created_at+desc&page=2&per_page=4");
        assert_eq!(q.page, 2);
        assert_eq!(q.per_page, 4);
        assert_eq!(q.filters[0].attribute, "name");
        assert_eq!(q.filters[0].value, "Una Salus Victus");
        assert_eq!(q.filters[1].attribute, "redeemed_count");
        assert_eq!(q.sort, Some(("created_at".into(), Direction::Desc)));
    }

    #[test]
    fn out_of_range_values_are_clamped() {
        assert_eq!(parse("page=0&per_page=51").page, 1);
        assert_eq!(parse("page=0&per_page=51").per_page, 50);
        assert_eq!(parse("per_page=0").per_page, 1);
        assert_eq!(parse("page=abc").page, 1);
    }

    #[test]
    fn huge_pages_and_offsets_are_refused_not_wrapped() {
        let strict = |raw: &str| {
            let pairs = parse_pairs(raw);
            ListQuery::try_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        };
        assert_eq!(
            strict("page=4294967296").unwrap_err(),
            "page must be at most 2147483647"
        );
        assert!(strict("page=99999999999999999999999").is_err());
        assert_eq!(strict("page=2147483647").unwrap().page, 2147483647);
        assert_eq!(strict("page=-99999999999999999999").unwrap().page, 1);
        assert_eq!(
            strict("per_page=99999999999999999999").unwrap().per_page,
            50
        );
        assert_eq!(parse("page=4294967296").page, 2147483647);
        assert!(strict("q[name_eq]=a%00b").unwrap_err().contains("U+0000"));
        assert_eq!(parse_offset(Some("-5")), Ok(0));
        assert_eq!(parse_offset(Some("x")), Ok(0));
        assert!(parse_offset(Some("9223372036854775807")).is_err());
        assert!(parse_offset(Some("92233720368547758070")).is_err());
        assert_eq!(parse_offset(Some("1000")), Ok(1000));
    }

    #[test]
    fn predicates_split_longest_first() {
        assert_eq!(
            Predicate::split("name_not_eq"),
            Some(("name", Predicate::NotEq))
        );
        assert_eq!(
            Predicate::split("email_match"),
            Some(("email", Predicate::Matches))
        );
        assert_eq!(
            Predicate::split("redeemed_count_gteq"),
            Some(("redeemed_count", Predicate::Gteq))
        );
        assert_eq!(Predicate::split("eq"), None);
    }

    #[test]
    fn query_string_round_trips() {
        let q = parse("page=3&per_page=50&q[name_cont]=a%26b&q[s]=name+desc");
        let again = parse(&q.to_query_string());
        assert_eq!(q, again);
    }
}
