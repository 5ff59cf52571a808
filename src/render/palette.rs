//! Terminal colours for text output, or none when colour is off.

use anstyle::{AnsiColor, Style};

use crate::policy::Outcome;

/// Text styles, or none when colour is off.
#[derive(Clone, Copy)]
pub(crate) struct Palette {
    pub(crate) colour: bool,
}

impl Palette {
    pub(crate) fn paint(self, style: Style, text: &str) -> String {
        if self.colour {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    pub(crate) fn dim(self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    pub(crate) fn outcome(self, outcome: Outcome) -> String {
        let colour = match outcome {
            Outcome::Approve => AnsiColor::Green,
            Outcome::Deny => AnsiColor::Red,
            Outcome::Review => AnsiColor::Yellow,
            Outcome::NeedsInfo => AnsiColor::Cyan,
        };
        self.paint(
            Style::new().bold().fg_color(Some(colour.into())),
            outcome.keyword(),
        )
    }
}
