//! How amounts are written for English readers: digits grouped by thousands (120,000).

/// `amount` with its digits grouped by thousands.
pub fn grouped_thousands(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        grouped.push('-');
    }
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_group_by_thousands() {
        assert_eq!(grouped_thousands(0), "0");
        assert_eq!(grouped_thousands(999), "999");
        assert_eq!(grouped_thousands(120_000), "120,000");
        assert_eq!(grouped_thousands(1_234_567), "1,234,567");
        assert_eq!(grouped_thousands(-4_500), "-4,500");
    }
}
