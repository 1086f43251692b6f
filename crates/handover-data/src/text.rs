//! Positions in a file's text, for errors that name the line.

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// [`line_of`] for increasing offsets into one text, in time linear in the
/// text overall: each call counts only the newlines since the last one.
pub struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    /// A counter at the start of `text` (line 1).
    pub fn new(text: &'a str) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of byte `offset`; an offset before the last one
    /// asked for is counted from the start.
    pub fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text.as_bytes()[self.offset..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counter_agrees_with_line_of() {
        let text = "a\nbb\n\nccc\nd";
        let mut c = LineCounter::new(text);
        for offset in (0..=text.len() + 2).chain([3, 0, 9]) {
            assert_eq!(c.line_of(offset), line_of(text, offset), "offset {offset}");
        }
    }
}
