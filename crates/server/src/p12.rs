//! Bounds the work of opening an uploaded `.p12` before OpenSSL sees it: a PKCS#12 file
//! names its own key-derivation iteration counts (MAC, certificate and key encryption),
//! and OpenSSL runs whatever count the file asks for, so a few hundred bytes declaring
//! two billion iterations would keep a core busy for minutes.
//!
//! [`max_iterations`] walks the file's BER/DER structure (definite and indefinite
//! lengths, and the OCTET STRINGs PKCS#12 wraps its contents in) and returns the largest
//! iteration count it declares: in PKCS#12 every iteration count is an INTEGER right
//! after an OCTET STRING salt in the same SEQUENCE (`MacData`, `PKCS12PbeParams`,
//! `PBKDF2-params`).

/// Most key-derivation iterations accepted in an uploaded `.p12` (OpenSSL exports with
/// 2048, other tools with up to a few hundred thousand).
pub const MAX_P12_ITERATIONS: u64 = 1_000_000;

/// Nesting deeper than this is not a certificate export.
const MAX_DEPTH: usize = 40;

/// One BER element: its tag and its contents (children for constructed ones).
struct Element<'a> {
    tag: u8,
    contents: Contents<'a>,
}

enum Contents<'a> {
    Primitive(&'a [u8]),
    Constructed(Vec<Element<'a>>),
}

/// The largest iteration count `der` declares, `Some(0)` when it declares none, `None`
/// when it is not BER at all (OpenSSL then refuses it with its own message).
pub fn max_iterations(der: &[u8]) -> Option<u64> {
    let (root, rest) = element(der, 0)?;
    if !rest.is_empty() && !rest.iter().all(|b| *b == 0) {
        return None;
    }
    let mut max = 0;
    scan(&root, 0, &mut max);
    Some(max)
}

fn scan(e: &Element<'_>, depth: usize, max: &mut u64) {
    if depth > MAX_DEPTH {
        *max = u64::MAX;
        return;
    }
    match &e.contents {
        Contents::Constructed(children) => {
            for pair in children.windows(2) {
                if let (Contents::Primitive(_), Contents::Primitive(int)) =
                    (&pair[0].contents, &pair[1].contents)
                {
                    if pair[0].tag == 0x04 && pair[1].tag == 0x02 {
                        *max = (*max).max(integer(int));
                    }
                }
            }
            for child in children {
                scan(child, depth + 1, max);
            }
        }
        // PKCS#12 wraps its contents in OCTET STRINGs: look inside those that hold BER.
        Contents::Primitive(bytes) if e.tag == 0x04 && bytes.first() == Some(&0x30) => {
            if let Some((inner, rest)) = element(bytes, depth + 1) {
                if rest.is_empty() {
                    scan(&inner, depth + 1, max);
                }
            }
        }
        Contents::Primitive(_) => {}
    }
}

/// An INTEGER's value; anything longer than 8 bytes counts as too large.
fn integer(bytes: &[u8]) -> u64 {
    let trimmed: &[u8] = match bytes {
        [0, rest @ ..] => rest,
        b => b,
    };
    if trimmed.len() > 8 {
        return u64::MAX;
    }
    trimmed.iter().fold(0, |v, b| (v << 8) | u64::from(*b))
}

/// Reads one element from the start of `input`; returns it and the bytes after it.
fn element(input: &[u8], depth: usize) -> Option<(Element<'_>, &[u8])> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // High tag numbers do not occur in PKCS#12.
    }
    let (&first, mut rest) = rest.split_first()?;
    let constructed = tag & 0x20 != 0;
    let length = match first {
        0x80 if constructed => None,
        0x80 => return None,
        n if n < 0x80 => Some(n as usize),
        n => {
            let count = (n & 0x7f) as usize;
            if count > 4 || rest.len() < count {
                return None;
            }
            let (len_bytes, after) = rest.split_at(count);
            rest = after;
            Some(len_bytes.iter().fold(0usize, |v, b| (v << 8) | *b as usize))
        }
    };
    match length {
        Some(len) => {
            if rest.len() < len {
                return None;
            }
            let (body, after) = rest.split_at(len);
            let contents = if constructed {
                Contents::Constructed(children(body, depth)?)
            } else {
                Contents::Primitive(body)
            };
            Some((Element { tag, contents }, after))
        }
        // Indefinite length: children up to the end-of-contents marker.
        None => {
            let mut list = Vec::new();
            loop {
                if rest.starts_with(&[0, 0]) {
                    return Some((
                        Element {
                            tag,
                            contents: Contents::Constructed(list),
                        },
                        &rest[2..],
                    ));
                }
                let (child, after) = element(rest, depth + 1)?;
                list.push(child);
                rest = after;
            }
        }
    }
}

fn children(mut body: &[u8], depth: usize) -> Option<Vec<Element<'_>>> {
    let mut list = Vec::new();
    while !body.is_empty() {
        let (child, after) = element(body, depth + 1)?;
        list.push(child);
        body = after;
    }
    Some(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_counts_after_a_salt_are_found() {
        // SEQUENCE { SEQUENCE { OCTET STRING salt, INTEGER 2048 },
        //            OCTET STRING { SEQUENCE { OCTET STRING, INTEGER 65536 } } }
        let inner = [0x30, 0x09, 0x04, 0x02, 1, 2, 0x02, 0x03, 0x01, 0x00, 0x00];
        let mut der = vec![0x30, 10 + 2 + inner.len() as u8];
        der.extend_from_slice(&[0x30, 0x08, 0x04, 0x02, 9, 9, 0x02, 0x02, 0x08, 0x00]);
        der.push(0x04);
        der.push(inner.len() as u8);
        der.extend_from_slice(&inner);
        assert_eq!(max_iterations(&der), Some(0x0001_0000));
        // The same with an indefinite length outside.
        let mut ber = vec![0x30, 0x80];
        ber.extend_from_slice(&der[2..]);
        ber.extend_from_slice(&[0, 0]);
        assert_eq!(max_iterations(&ber), Some(0x0001_0000));
        assert_eq!(max_iterations(b"not a certificate"), None);
    }
}
