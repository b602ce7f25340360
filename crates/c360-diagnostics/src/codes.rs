//! The registry of diagnostic codes: each has a severity, a title and a long explanation.
//!
//! Codes are stable: once published, a code keeps its meaning. Errors are `E…`, warnings `W…`.
//! The long explanation of `CODE` lives in `explanations/CODE.md` and is printed by `c360 explain`.

use std::fmt;

use crate::diagnostic::Severity;

/// A stable diagnostic code such as `E0108`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(&'static str);

impl Code {
    /// The code as written, e.g. `"E0108"`.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// Errors start with `E`, warnings with `W`.
    pub fn severity(self) -> Severity {
        if self.0.starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// The registry entry of this code.
    pub fn info(self) -> &'static CodeInfo {
        REGISTRY
            .iter()
            .find(|info| info.code == self)
            .expect("every Code constant is in the registry")
    }

    /// Looks a code up by its text, case-insensitively (`e0108` finds `E0108`).
    pub fn parse(text: &str) -> Option<Code> {
        REGISTRY
            .iter()
            .find(|info| info.code.0.eq_ignore_ascii_case(text.trim()))
            .map(|info| info.code)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// What the registry knows about a code.
#[derive(Debug)]
pub struct CodeInfo {
    /// The code.
    pub code: Code,
    /// A short title, e.g. "unknown id type".
    pub title: &'static str,
    /// The long explanation in Markdown, with an example and the fix.
    pub explanation: &'static str,
}

macro_rules! registry {
    ($($code:ident => $title:literal,)*) => {
        $(
            #[doc = $title]
            pub const $code: Code = Code(stringify!($code));
        )*

        /// Every code, in order.
        pub static REGISTRY: &[CodeInfo] = &[
            $(CodeInfo {
                code: $code,
                title: $title,
                explanation: include_str!(concat!("../explanations/", stringify!($code), ".md")),
            },)*
        ];
    };
}

registry! {
    E0001 => "unexpected character",
    E0002 => "unterminated string literal",
    E0003 => "unterminated block comment",
    E0004 => "invalid escape sequence",
    E0005 => "syntax error",
    E0006 => "number literal out of range",
    E0007 => "invalid duration",
    E0008 => "file is not valid UTF-8",
    E0010 => "invalid c360.toml syntax",
    E0011 => "unknown key in c360.toml",
    E0012 => "invalid value in c360.toml",
    E0013 => "project file cannot be read",
    E0014 => "no .c360 files in the project",
    E0100 => "duplicate declaration",
    E0101 => "duplicate feature",
    E0102 => "duplicate column",
    E0103 => "duplicate property or field",
    E0104 => "unknown property",
    E0105 => "missing required property",
    E0106 => "unknown annotation",
    E0107 => "misused annotation",
    E0108 => "unknown id type",
    E0109 => "unknown entity",
    E0110 => "unknown source",
    E0111 => "unknown name",
    E0112 => "unknown feature",
    E0113 => "unknown column",
    E0114 => "unknown function",
    E0115 => "ambiguous name: both a column and a feature",
    E0116 => "source without an @id column",
    E0117 => "more than one @time column",
    E0118 => "@time column of the wrong type",
    E0119 => "labels without a @time column",
    E0120 => "feature name clashes with an output column",
    E0121 => "cycle between features",
    E0122 => "id type is not part of the entity",
    E0123 => "id type listed twice in an entity",
    E0124 => "invalid table name",
    E0125 => "duplicate test name",
    E0126 => "invalid property value",
    E0200 => "type mismatch",
    E0201 => "declared type does not match the inferred type",
    E0202 => "invalid operand types",
    E0203 => "values of these types cannot be compared",
    E0204 => "`where` predicate is not a bool",
    E0205 => "aggregate over a value of the wrong type",
    E0206 => "time-based step on a snapshot source",
    E0207 => "wrong number of arguments",
    E0208 => "unsupported or invalid regular expression",
    E0210 => "misplaced pipeline or aggregate",
    E0211 => "pipeline inside a pipeline",
    E0212 => "column used outside a pipeline",
    E0213 => "cannot infer the type of `null`",
    E0214 => "invalid literal value",
    E0215 => "branches or elements of incompatible types",
    E0216 => "`value` outside an id type rule",
    E0217 => "test expectation does not fit the feature",
    E0218 => "unknown type",
    E0300 => "construct not supported by the dialect",
    W0001 => "use of a deprecated feature",
    W0002 => "id type not used by any entity",
    W0003 => "hidden feature never used",
    W0004 => "source read by no entity",
}
