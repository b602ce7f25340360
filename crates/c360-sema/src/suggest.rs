//! "Did you mean" suggestions for unknown names.

/// The candidate closest to `name`, if one is close enough to be a likely typo.
///
/// Close enough: equal ignoring case, or an edit distance (transpositions count once) of at most a third of the name's
/// length (at least 1). Ties go to the candidate listed first, so results are deterministic.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance = if candidate.to_lowercase() == lower {
            0
        } else {
            strsim::osa_distance(name, candidate)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_typos_but_not_strangers() {
        let names = ["email", "phone", "user_id"];
        assert_eq!(closest("emial", names), Some("email"));
        assert_eq!(closest("Email", names), Some("email"));
        assert_eq!(closest("userid", names), Some("user_id"));
        assert_eq!(closest("device", names), None);
        assert_eq!(closest("x", ["y", "zz"]), Some("y"));
    }
}
