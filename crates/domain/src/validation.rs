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

/// Trims and checks a free-text value: length in characters, no control characters.
pub(crate) fn clean_text(field: &str, raw: &str, min_chars: usize, max_chars: usize) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    let length = trimmed.chars().count();
    if length < min_chars {
        return Err(if length == 0 {
            FieldError::new(field, "required", "must not be empty")
        } else {
            FieldError::new(field, "too_short", format!("must be at least {min_chars} characters"))
        });
    }
    if length > max_chars {
        return Err(FieldError::new(field, "too_long", format!("must be at most {max_chars} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(field, "invalid_characters", "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}
