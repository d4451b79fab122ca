//! Field-level validation errors shared by every constructor that parses user input.

use serde::Serialize;

/// One problem with one input field, reported to the client as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the field in the request body, e.g. `organization.region_code`.
    pub field: String,
    /// Stable snake_case code a client can branch on.
    pub code: &'static str,
    /// Lowercase human-readable explanation.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }

    /// The same error, reported under a parent field (`email` → `user.email`).
    #[must_use]
    pub fn nested_in(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

/// All problems found in one request; never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("validation failed: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self(Vec::new())
    }

    pub fn single(error: FieldError) -> Self {
        Self(vec![error])
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the parsed value, or records its error and returns `None`, so that a request
    /// reports every bad field at once instead of the first one only.
    pub fn collect<T>(&mut self, parsed: Result<T, FieldError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(error);
                None
            }
        }
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// Characters that format text but show nothing: zero-width spaces and joiners, direction
/// marks and controls, the word joiner and invisible operators, the byte-order mark, the soft
/// hyphen, interlinear annotation and tag characters.
fn is_format_character(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Whether a character shows nothing by itself: white space, format characters, variation
/// selectors, the combining grapheme joiner, Hangul fillers and the blank Braille pattern.
fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || is_format_character(c)
        || matches!(
            c,
            '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FFA0}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

/// Embeddings, overrides and isolates: they change the order in which the text around them is
/// shown, so a name could read differently from what it is.
fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The text without white space and invisible format characters at either end.
fn trim_invisible(raw: &str) -> &str {
    raw.trim_matches(|c: char| c.is_whitespace() || is_format_character(c))
}

/// Trims and checks a one-line free-text value (a title, a name, a keyword): length in
/// characters, at least `min_chars` of them visible, no control characters and no direction
/// overrides. Invisible characters at the ends are dropped.
pub(crate) fn clean_text(field: &str, raw: &str, min_chars: usize, max_chars: usize) -> Result<String, FieldError> {
    let trimmed = check_text(field, raw, min_chars, max_chars, |_| false)?;
    if trimmed.chars().any(is_direction_control) {
        return Err(FieldError::new(
            field,
            "invalid_characters",
            "must not contain direction overrides, embeddings or isolates (U+202A to U+202E, U+2066 to U+2069)",
        ));
    }
    Ok(trimmed.to_owned())
}

/// Trims and checks long free text (an abstract, a description): as [`clean_text`], with line
/// breaks and tabs allowed and direction controls left to the author.
pub(crate) fn clean_long_text(
    field: &str,
    raw: &str,
    min_chars: usize,
    max_chars: usize,
) -> Result<String, FieldError> {
    check_text(field, raw, min_chars, max_chars, |c| matches!(c, '\n' | '\r' | '\t')).map(str::to_owned)
}

fn check_text<'t>(
    field: &str,
    raw: &'t str,
    min_chars: usize,
    max_chars: usize,
    allowed_control: impl Fn(char) -> bool,
) -> Result<&'t str, FieldError> {
    if raw.trim().is_empty() {
        return Err(FieldError::new(field, "required", "must not be empty"));
    }
    let trimmed = trim_invisible(raw);
    if !trimmed.chars().any(|c| !is_blank(c)) {
        return Err(FieldError::new(field, "no_visible_text", "must contain visible characters"));
    }
    // Spaces count toward the length, as people count; invisible characters do not.
    let length = trimmed.chars().filter(|&c| c.is_whitespace() || !is_blank(c)).count();
    if length < min_chars {
        return Err(FieldError::new(field, "too_short", format!("must be at least {min_chars} characters")));
    }
    if trimmed.chars().count() > max_chars {
        return Err(FieldError::new(field, "too_long", format!("must be at most {max_chars} characters")));
    }
    if trimmed.chars().any(|c| c.is_control() && !allowed_control(c)) {
        return Err(FieldError::new(field, "invalid_characters", "must not contain control characters"));
    }
    Ok(trimmed)
}

/// A web address people are sent to (a meeting room link): `http` or `https` in any case, a
/// host, no user name or password in it, at most `max_chars`. Stored as the parser writes it
/// (scheme and host lower case).
pub fn parse_web_address(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    let refused = || FieldError::new(field, "invalid_url", "must be an http(s) address with a host");
    let trimmed = raw.trim();
    if trimmed.chars().count() > max_chars {
        return Err(FieldError::new(field, "too_long", format!("must be at most {max_chars} characters")));
    }
    // Written out in full, as people copy it from a meeting invitation (not `http:host`).
    let lowered = trimmed.get(..8).unwrap_or(trimmed).to_ascii_lowercase();
    if !(lowered.starts_with("https://") || lowered.starts_with("http://")) {
        return Err(refused());
    }
    let address = url::Url::parse(trimmed).map_err(|_| refused())?;
    let has_host = address.host_str().is_some_and(|host| !host.is_empty());
    if !matches!(address.scheme(), "http" | "https") || !has_host {
        return Err(refused());
    }
    if !address.username().is_empty() || address.password().is_some() {
        return Err(FieldError::new(field, "invalid_url", "must not contain a user name or password"));
    }
    Ok(address.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_nothing_to_see_is_refused() {
        for raw in
            ["\u{200B}\u{200B}\u{200B}", "\u{FEFF}", "\u{202E}", "\u{3164}\u{3164}", "\u{2800}\u{FE0F}", " \u{00AD} "]
        {
            assert_eq!(clean_text("title", raw, 1, 200).map_err(|error| error.code), Err("no_visible_text"), "{raw:?}");
            let long = raw.repeat(20);
            assert_eq!(
                clean_long_text("abstract", &long, 1, 20_000).map_err(|error| error.code),
                Err("no_visible_text")
            );
        }
        assert_eq!(clean_text("title", " \t ", 1, 200).map_err(|error| error.code), Err("required"));
        // Invisible characters do not make up the length a title needs.
        assert_eq!(clean_text("title", "a\u{200B}\u{200C}b", 3, 200).map_err(|error| error.code), Err("too_short"));
    }

    #[test]
    fn web_addresses_need_a_host_and_an_http_scheme_in_any_case() {
        let parse = |raw: &str| parse_web_address("video_link", raw, 500);
        assert_eq!(parse("HTTPS://Meeting.Example.org/Room/1").as_deref(), Ok("https://meeting.example.org/Room/1"));
        assert_eq!(parse(" http://10.0.0.5:8443/r ").as_deref(), Ok("http://10.0.0.5:8443/r"));
        for raw in [
            "http://",
            "HTTPS://",
            "http:/room",
            "http:room",
            "javascript:alert(1)",
            "ftp://files.example.org",
            "meeting.example.org",
            "https://user:secret@meeting.example.org/",
        ] {
            assert_eq!(parse(raw).map_err(|error| error.code), Err("invalid_url"), "{raw:?}");
        }
        assert_eq!(
            parse(&format!("https://example.org/{}", "a".repeat(500))).map_err(|error| error.code),
            Err("too_long")
        );
    }

    #[test]
    fn direction_overrides_are_dropped_at_the_ends_and_refused_inside() {
        assert_eq!(clean_text("name", "\u{202E}王伟", 1, 100).as_deref(), Ok("王伟"));
        assert_eq!(clean_text("name", "\u{FEFF}Wang Wei\u{200B}", 1, 100).as_deref(), Ok("Wang Wei"));
        for raw in ["abc\u{202E}fdp.exe", "王\u{2067}伟", "x\u{202A}y"] {
            assert_eq!(
                clean_text("name", raw, 1, 100).map_err(|error| error.code),
                Err("invalid_characters"),
                "{raw:?}"
            );
        }
        // Ordinary text, zero-width joiners inside an emoji and mixed scripts stay as written.
        for raw in ["纳米银导电墨水 ink", "👩\u{200D}🔬 lab", "5G 基站"] {
            assert_eq!(clean_text("title", raw, 2, 200).as_deref(), Ok(raw));
        }
    }
}
