//! Pure list-view state: how clicks on headers, filter inputs and pagers change the
//! [`ListQuery`] that lives in the page URL. The table component only renders this.

use passworks_wire::query::{parse_pairs, Direction, Filter, ListQuery, Predicate};

/// How a column can be filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// Free text, `q[attr_cont]`.
    Contains,
    /// Exact text, `q[attr_eq]`.
    Equals,
    /// One of fixed values, `q[attr_eq]`.
    Choice(&'static [&'static str]),
    /// Yes/no, `q[attr_eq]=true|false`.
    Bool,
}

impl FilterKind {
    pub fn predicate(self) -> Predicate {
        match self {
            FilterKind::Contains => Predicate::Cont,
            _ => Predicate::Eq,
        }
    }
}

/// A column of a resource table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub attr: &'static str,
    pub label: &'static str,
    pub sortable: bool,
    pub filter: Option<FilterKind>,
}

impl Column {
    pub const fn new(attr: &'static str, label: &'static str) -> Self {
        Column {
            attr,
            label,
            sortable: true,
            filter: None,
        }
    }
    pub const fn filter(mut self, f: FilterKind) -> Self {
        self.filter = Some(f);
        self
    }
    pub const fn unsorted(mut self) -> Self {
        self.sortable = false;
        self
    }
}

/// Reads the list state from a raw URL query (`?page=2&q[name_cont]=x`).
pub fn from_search(search: &str) -> ListQuery {
    let pairs = parse_pairs(search);
    ListQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The URL query (with leading `?`, or empty) for a state.
pub fn to_search(q: &ListQuery) -> String {
    let s = q.to_query_string();
    if s.is_empty() {
        s
    } else {
        format!("?{s}")
    }
}

/// The `q[search]` text of a raw URL query ("" when absent). The list query language
/// has no predicate for it, so the table keeps it beside its [`ListQuery`].
pub fn search_text(search: &str) -> String {
    parse_pairs(search)
        .into_iter()
        .find(|(k, _)| k == "q[search]")
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// [`to_search`] plus `q[search]` when `text` is not blank.
pub fn to_search_with(q: &ListQuery, text: &str) -> String {
    let base = to_search(q);
    let text = text.trim();
    if text.is_empty() {
        return base;
    }
    let param = format!(
        "{}={}",
        passworks_wire::query::encode("q[search]"),
        passworks_wire::query::encode(text)
    );
    if base.is_empty() {
        format!("?{param}")
    } else {
        format!("{base}&{param}")
    }
}

/// A new search text: back to page 1, the other filters and the sort kept.
pub fn with_search(q: &ListQuery, text: &str) -> String {
    to_search_with(&with_page(q, 1), text)
}

/// Header click: unsorted → ascending → descending → ascending…; back to page 1.
pub fn toggle_sort(q: &ListQuery, attr: &str) -> ListQuery {
    let mut n = q.clone();
    n.sort = match &q.sort {
        Some((a, Direction::Asc)) if a == attr => Some((attr.to_string(), Direction::Desc)),
        _ => Some((attr.to_string(), Direction::Asc)),
    };
    n.page = 1;
    n
}

/// `aria-sort` value of a column header.
pub fn aria_sort(q: &ListQuery, attr: &str) -> &'static str {
    match &q.sort {
        Some((a, Direction::Asc)) if a == attr => "ascending",
        Some((a, Direction::Desc)) if a == attr => "descending",
        _ => "none",
    }
}

/// Current value of a filter input.
pub fn filter_value(q: &ListQuery, attr: &str, p: Predicate) -> String {
    q.filters
        .iter()
        .find(|f| f.attribute == attr && f.predicate == p)
        .map(|f| f.value.clone())
        .unwrap_or_default()
}

/// Sets (or clears, when blank) one filter; back to page 1.
pub fn set_filter(q: &ListQuery, attr: &str, p: Predicate, value: &str) -> ListQuery {
    let mut n = q.clone();
    n.filters
        .retain(|f| !(f.attribute == attr && f.predicate == p));
    if !value.trim().is_empty() {
        n.filters.push(Filter {
            attribute: attr.to_string(),
            predicate: p,
            value: value.trim().to_string(),
        });
    }
    n.page = 1;
    n
}

/// Removes every filter; keeps order and page size.
pub fn clear_filters(q: &ListQuery) -> ListQuery {
    ListQuery {
        filters: Vec::new(),
        page: 1,
        ..q.clone()
    }
}

/// Moves to a page.
pub fn with_page(q: &ListQuery, page: u32) -> ListQuery {
    ListQuery {
        page: page.max(1),
        ..q.clone()
    }
}

/// Changes the page size (25 or 50) and returns to page 1.
pub fn with_per_page(q: &ListQuery, per_page: u32) -> ListQuery {
    ListQuery {
        per_page,
        page: 1,
        ..q.clone()
    }
}

/// Page numbers to offer, `None` standing for an ellipsis: 1 … 4 5 [6] 7 8 … 20.
pub fn page_window(current: u32, total_pages: u32) -> Vec<Option<u32>> {
    if total_pages <= 7 {
        return (1..=total_pages).map(Some).collect();
    }
    let mut out = vec![Some(1)];
    let lo = current.saturating_sub(2).max(2);
    let hi = (current + 2).min(total_pages - 1);
    if lo > 2 {
        out.push(None);
    }
    out.extend((lo..=hi).map(Some));
    if hi < total_pages - 1 {
        out.push(None);
    }
    out.push(Some(total_pages));
    out
}

/// "51–75 of 120" style range text.
pub fn range_text(page: u32, per_page: u32, shown: usize, total: u64) -> String {
    if shown == 0 {
        return format!("0 of {total}");
    }
    let start = u64::from(page.saturating_sub(1)) * u64::from(per_page) + 1;
    let end = start + shown as u64 - 1;
    format!("{start}–{end} of {total}")
}

/// Bulk selection: toggles one id.
pub fn toggle_selected(sel: &[String], id: &str) -> Vec<String> {
    if sel.iter().any(|s| s == id) {
        sel.iter().filter(|s| *s != id).cloned().collect()
    } else {
        let mut v = sel.to_vec();
        v.push(id.to_string());
        v
    }
}

/// Bulk selection: "select all" on the visible page (clears when all are selected).
pub fn toggle_all(sel: &[String], visible: &[String]) -> Vec<String> {
    if !visible.is_empty() && visible.iter().all(|v| sel.contains(v)) {
        sel.iter()
            .filter(|s| !visible.contains(s))
            .cloned()
            .collect()
    } else {
        let mut v = sel.to_vec();
        for id in visible {
            if !v.contains(id) {
                v.push(id.clone());
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_cycles_and_resets_page() {
        let q = from_search("?page=3&q[s]=name+asc");
        let q2 = toggle_sort(&q, "name");
        assert_eq!(q2.sort, Some(("name".into(), Direction::Desc)));
        assert_eq!(q2.page, 1);
        assert_eq!(aria_sort(&toggle_sort(&q2, "name"), "name"), "ascending");
        assert_eq!(aria_sort(&q2, "created_at"), "none");
    }

    #[test]
    fn filters_round_trip_through_the_url() {
        let q = set_filter(&ListQuery::default(), "name", Predicate::Cont, "Una & Co");
        let s = to_search(&q);
        assert!(s.starts_with("?q%5Bname_cont%5D="));
        let back = from_search(&s);
        assert_eq!(filter_value(&back, "name", Predicate::Cont), "Una & Co");
        assert!(set_filter(&back, "name", Predicate::Cont, " ")
            .filters
            .is_empty());
    }

    #[test]
    fn default_state_has_an_empty_query() {
        assert_eq!(to_search(&ListQuery::default()), "");
        assert_eq!(search_text("?q%5Bsearch%5D=Ana+B&page=2"), "Ana B");
        assert_eq!(search_text("?page=2"), "");
        assert_eq!(
            with_per_page(&with_page(&ListQuery::default(), 4), 50).page,
            1
        );
    }

    #[test]
    fn page_window_elides_far_pages() {
        assert_eq!(page_window(1, 3), vec![Some(1), Some(2), Some(3)]);
        assert_eq!(
            page_window(10, 20),
            vec![
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(20)
            ]
        );
    }

    #[test]
    fn select_all_toggles_visible_rows() {
        let vis = vec!["a".to_string(), "b".to_string()];
        let all = toggle_all(&[], &vis);
        assert_eq!(all.len(), 2);
        assert!(toggle_all(&all, &vis).is_empty());
        assert_eq!(toggle_selected(&all, "a"), vec!["b".to_string()]);
    }

    #[test]
    fn the_search_text_survives_sorting_and_paging() {
        let url = "?page=3&q%5Bs%5D=created_at+desc&q%5Bsearch%5D=Ana";
        let q = from_search(url);
        let text = search_text(url);
        assert_eq!(text, "Ana");
        let next = to_search_with(&with_page(&q, 4), &text);
        assert_eq!(search_text(&next), "Ana");
        assert_eq!(from_search(&next).page, 4);
        let fresh = with_search(&q, "Bea & co");
        assert_eq!(search_text(&fresh), "Bea & co");
        assert_eq!(from_search(&fresh).page, 1);
        assert_eq!(to_search_with(&ListQuery::default(), "  "), "");
    }
}
