//! The types of c360 values and the widening rules between them (spec §4.3).

use std::fmt;

/// A c360 type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// UTF-8 text, compared by byte order.
    String,
    /// 64-bit integer.
    Int,
    /// Exact decimal.
    Decimal,
    /// Double-precision float.
    Float,
    /// `true` / `false`.
    Bool,
    /// A timestamp without time zone.
    Timestamp,
    /// A calendar date.
    Date,
    /// A length of time.
    Duration,
    /// A list of values of one type.
    List(Box<Type>),
    /// The type of a bare `null`: takes the type its context needs.
    Null,
    /// The type of an expression that already has an error; suppresses follow-on errors.
    Error,
}

impl Type {
    /// Parses a scalar type name as written in columns and declared types.
    pub fn scalar_from_name(name: &str) -> Option<Type> {
        Some(match name {
            "string" => Type::String,
            "int" => Type::Int,
            "decimal" => Type::Decimal,
            "float" => Type::Float,
            "bool" => Type::Bool,
            "timestamp" => Type::Timestamp,
            "date" => Type::Date,
            "duration" => Type::Duration,
            _ => return None,
        })
    }

    /// True for `int`, `decimal` and `float`.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Decimal | Type::Float)
    }

    /// True for the error type or a list of it: diagnostics about it are suppressed.
    pub fn is_error(&self) -> bool {
        match self {
            Type::Error => true,
            Type::List(t) => t.is_error(),
            _ => false,
        }
    }

    /// True for types whose values have an order (`min`, `max`, `<`, `least`, sorting).
    pub fn is_ordered(&self) -> bool {
        matches!(
            self,
            Type::String
                | Type::Int
                | Type::Decimal
                | Type::Float
                | Type::Bool
                | Type::Timestamp
                | Type::Date
                | Type::Duration
        )
    }

    /// True for types a column may have.
    pub fn is_column_type(&self) -> bool {
        matches!(
            self,
            Type::String
                | Type::Int
                | Type::Decimal
                | Type::Float
                | Type::Bool
                | Type::Timestamp
                | Type::Date
        )
    }

    /// The element type of a list.
    pub fn element(&self) -> Option<&Type> {
        match self {
            Type::List(t) => Some(t),
            _ => None,
        }
    }

    /// Rank of numeric widening: int → decimal → float.
    fn numeric_rank(&self) -> Option<u8> {
        match self {
            Type::Int => Some(0),
            Type::Decimal => Some(1),
            Type::Float => Some(2),
            _ => None,
        }
    }

    /// True when a value of `self` may be used where `target` is expected
    /// (the same type, a numeric widening, or `null`).
    pub fn widens_to(&self, target: &Type) -> bool {
        if self == target || matches!(self, Type::Null | Type::Error) || target.is_error() {
            return true;
        }
        match (self, target) {
            (Type::List(a), Type::List(b)) => a.widens_to(b),
            _ => match (self.numeric_rank(), target.numeric_rank()) {
                (Some(a), Some(b)) => a <= b,
                _ => false,
            },
        }
    }

    /// The common type of two values that meet (if branches, list elements, comparisons,
    /// `coalesce`): the wider numeric type, the other side of a `null`, or `None`.
    pub fn unify(&self, other: &Type) -> Option<Type> {
        if self.is_error() || other.is_error() {
            return Some(Type::Error);
        }
        if self.widens_to(other) {
            return Some(other.clone());
        }
        if other.widens_to(self) {
            return Some(self.clone());
        }
        match (self, other) {
            (Type::List(a), Type::List(b)) => a.unify(b).map(|t| Type::List(Box::new(t))),
            _ => None,
        }
    }
}

impl Type {
    /// The type in backticks with its article, for messages: "an `int`", "a `string`".
    pub fn a(&self) -> String {
        let name = self.to_string();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} `{name}`")
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Int => f.write_str("int"),
            Type::Decimal => f.write_str("decimal"),
            Type::Float => f.write_str("float"),
            Type::Bool => f.write_str("bool"),
            Type::Timestamp => f.write_str("timestamp"),
            Type::Date => f.write_str("date"),
            Type::Duration => f.write_str("duration"),
            Type::List(t) => write!(f, "list<{t}>"),
            Type::Null => f.write_str("null"),
            Type::Error => f.write_str("{unknown}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_widening_is_one_way() {
        assert!(Type::Int.widens_to(&Type::Decimal));
        assert!(Type::Int.widens_to(&Type::Float));
        assert!(Type::Decimal.widens_to(&Type::Float));
        assert!(!Type::Float.widens_to(&Type::Decimal));
        assert!(!Type::Decimal.widens_to(&Type::Int));
        assert!(!Type::String.widens_to(&Type::Int));
    }

    #[test]
    fn unify_picks_the_wider_type_and_absorbs_null() {
        assert_eq!(Type::Int.unify(&Type::Float), Some(Type::Float));
        assert_eq!(Type::Null.unify(&Type::Date), Some(Type::Date));
        assert_eq!(
            Type::List(Box::new(Type::Int)).unify(&Type::List(Box::new(Type::Decimal))),
            Some(Type::List(Box::new(Type::Decimal)))
        );
        assert_eq!(Type::String.unify(&Type::Int), None);
        assert_eq!(Type::String.unify(&Type::Error), Some(Type::Error));
    }
}
