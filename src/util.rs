//! Small pure helpers: Base64, dates by string slicing and civil-day arithmetic, CSV.

/// Standard Base64 with padding (for the Basic `Authorization` header).
pub fn base64_encode(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// `2014-09-22T20:51:53Z` → `2014-09-22 20:51` (UTC); other text is returned as is.
pub fn fmt_datetime(s: &str) -> String {
    if s.len() >= 16 && s.as_bytes().get(10) == Some(&b'T') {
        format!("{} {} UTC", &s[..10], &s[11..16])
    } else {
        s.to_string()
    }
}

/// Optional timestamp for display; `—` when absent.
pub fn fmt_opt_datetime(s: &Option<String>) -> String {
    s.as_deref().map(fmt_datetime).unwrap_or_else(|| "—".into())
}

/// ISO timestamp → value for `<input type="datetime-local">` (`YYYY-MM-DDTHH:MM`).
pub fn to_datetime_local(s: &str) -> String {
    if s.len() >= 16 {
        s[..16].to_string()
    } else {
        s.to_string()
    }
}

/// `<input type="datetime-local">` value (read as UTC) → ISO-8601 UTC, or `None` when empty.
pub fn from_datetime_local(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    Some(match s.len() {
        16 => format!("{s}:00Z"),
        19 => format!("{s}Z"),
        _ => s.to_string(),
    })
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses `YYYY-MM-DD` into a day number.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.get(..10)?;
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let n = days_from_civil(y, m, d);
    (civil_from_days(n) == (y, m, d)).then_some(n)
}

/// Formats a day number as `YYYY-MM-DD`.
pub fn format_date(n: i64) -> String {
    let (y, m, d) = civil_from_days(n);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD` shifted by `days`.
pub fn add_days(date: &str, days: i64) -> Option<String> {
    parse_date(date).map(|n| format_date(n + days))
}

/// Today's date (UTC) in the browser; a fixed date off the browser.
pub fn today() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let iso: String = js_sys::Date::new_0().to_iso_string().into();
        iso[..10].to_string()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        "2026-01-01".to_string()
    }
}

/// Whole days from `today` until the date part of `ts` (negative when past).
pub fn days_until(ts: &str, today: &str) -> Option<i64> {
    Some(parse_date(ts)? - parse_date(today)?)
}

/// One CSV cell, quoted when needed (RFC 4180).
pub fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV text from a header row and data rows.
pub fn to_csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = header
        .iter()
        .map(|h| csv_cell(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// File size for people (`12.3 KiB`).
pub fn human_size(bytes: f64) -> String {
    if bytes < 1024.0 {
        format!("{bytes} B")
    } else if bytes < 1024.0 * 1024.0 {
        format!("{:.1} KiB", bytes / 1024.0)
    } else {
        format!("{:.2} MiB", bytes / 1024.0 / 1024.0)
    }
}

/// Shortens a UUID for tables (`3f2a…9c1d`).
pub fn short_id(id: &str) -> String {
    if id.len() > 12 {
        format!("{}…{}", &id[..4], &id[id.len() - 4..])
    } else {
        id.to_string()
    }
}

/// "1 time", "2 times": a count with its noun in the right number.
pub fn times(n: i64) -> String {
    if n == 1 {
        "1 time".to_string()
    } else {
        format!("{n} times")
    }
}

/// A refusal of the API in words a person uses: "Can't pause from paused to paused"
/// becomes "already paused"; other messages are kept.
pub fn humane_refusal(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("Can't ") {
        // "<verb> from <state> to <state>"
        let parts: Vec<&str> = rest.split_whitespace().collect();
        if let [_verb, "from", from, "to", to] = parts.as_slice() {
            if from == to {
                return format!("already {from}");
            }
            return format!("not possible while {from}");
        }
    }
    msg.to_string()
}

/// The one message a bulk action leaves: how many succeeded and, grouped, why the
/// others were refused ("Pause: 1 of 4 campaigns done; 3 already paused.").
pub fn bulk_summary(
    verb: &str,
    noun: &str,
    ok: usize,
    refusals: &[String],
) -> Result<String, String> {
    let total = ok + refusals.len();
    let mut verb_cap = verb.to_string();
    if let Some(f) = verb_cap.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    if refusals.is_empty() {
        return Ok(format!("{verb_cap}: {ok} of {total} {noun} done."));
    }
    let mut groups: Vec<(String, usize)> = Vec::new();
    for r in refusals {
        let r = humane_refusal(r).trim_end_matches('.').to_string();
        match groups.iter_mut().find(|(m, _)| *m == r) {
            Some((_, n)) => *n += 1,
            None => groups.push((r, 1)),
        }
    }
    let why = groups
        .iter()
        .map(|(m, n)| format!("{n} {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    let text = format!("{verb_cap}: {ok} of {total} {noun} done; {why}.");
    if ok == 0 {
        Err(text)
    } else {
        Ok(text)
    }
}

/// Human words for an API enum value shown in a filter or a cell: `storeCard` →
/// "Store card", `google_wallet` → "Google wallet", `PKTransitTypeAir` → "Air".
pub fn humanize(value: &str) -> String {
    let v = value.strip_prefix("PKTransitType").unwrap_or(value);
    let mut words = String::new();
    for (i, ch) in v.chars().enumerate() {
        if ch == '_' || ch == '-' {
            words.push(' ');
        } else if ch.is_ascii_uppercase() && i > 0 {
            words.push(' ');
            words.push(ch.to_ascii_lowercase());
        } else {
            words.push(ch);
        }
    }
    match words.as_str() {
        "ios" => return "iOS".into(),
        "wp" => return "Windows Phone".into(),
        "qrcode" => return "QR code".into(),
        _ => {}
    }
    let mut out = words;
    if let Some(f) = out.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn refusals_read_as_words() {
        assert_eq!(
            super::humane_refusal("Can't pause from paused to paused"),
            "already paused"
        );
        assert_eq!(
            super::humane_refusal("Can't resume from archived to published"),
            "not possible while archived"
        );
        assert_eq!(
            super::humane_refusal("Pass already redeemed"),
            "Pass already redeemed"
        );
    }

    #[test]
    fn bulk_refusals_are_grouped_into_one_message() {
        let same = vec!["Can't pause from paused to paused".to_string(); 3];
        assert_eq!(
            super::bulk_summary("pause", "campaigns", 0, &same),
            Err("Pause: 0 of 3 campaigns done; 3 already paused.".into())
        );
        assert_eq!(
            super::bulk_summary("pause", "campaigns", 2, &[]),
            Ok("Pause: 2 of 2 campaigns done.".into())
        );
        assert_eq!(
            super::bulk_summary("void", "passes", 1, &["Not found.".into()]),
            Ok("Void: 1 of 2 passes done; 1 Not found.".into())
        );
    }

    #[test]
    fn api_values_read_as_words() {
        assert_eq!(super::humanize("storeCard"), "Store card");
        assert_eq!(super::humanize("eventTicket"), "Event ticket");
        assert_eq!(super::humanize("google_wallet"), "Google wallet");
        assert_eq!(super::humanize("PKTransitTypeAir"), "Air");
        assert_eq!(super::humanize("ios"), "iOS");
        assert_eq!(super::humanize("published"), "Published");
    }

    #[test]
    fn times_agree_with_their_count() {
        assert_eq!(super::times(0), "0 times");
        assert_eq!(super::times(1), "1 time");
        assert_eq!(super::times(2), "2 times");
    }

    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn dates_round_trip_and_shift_across_months() {
        assert_eq!(add_days("2024-03-01", -1).unwrap(), "2024-02-29");
        assert_eq!(add_days("2023-12-31", 1).unwrap(), "2024-01-01");
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(days_until("2024-01-11T00:00:00Z", "2024-01-01"), Some(10));
    }

    #[test]
    fn datetimes_format_by_slicing() {
        assert_eq!(fmt_datetime("2014-09-22T20:51:53Z"), "2014-09-22 20:51 UTC");
        assert_eq!(
            from_datetime_local("2024-05-01T10:00").unwrap(),
            "2024-05-01T10:00:00Z"
        );
        assert_eq!(from_datetime_local(""), None);
    }

    #[test]
    fn csv_quotes_special_cells() {
        assert_eq!(
            to_csv(&["a", "b"], &[vec!["x,y".into(), "q\"".into()]]),
            "a,b\r\nx,y\r\n".replace("x,y\r\n", "\"x,y\",\"q\"\"\"\r\n")
        );
    }
}
