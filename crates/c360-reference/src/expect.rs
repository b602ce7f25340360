//! Running a project's `test` blocks on the reference implementation (spec §3.6): the
//! `given` rows in, each `expect` block's features out, compared the way `c360 test` compares
//! them (decimals exactly, floats to a relative 1e-9, lists item by item).

use std::fmt;

use c360_sema::model::TestDef;
use c360_sema::Model;

use crate::error::Error;
use crate::features::{EntityData, Spine};
use crate::tables::{literal_value, Tables};
use crate::time::Timestamp;
use crate::value::Value;
use crate::{graph_of, Run};

/// One expectation of a `test` block that does not hold.
#[derive(Clone, Debug, PartialEq)]
pub enum TestFailure {
    /// No instance of the entity owns the identifier.
    NoInstance {
        /// The entity.
        entity: String,
        /// The id type.
        id_type: String,
        /// The identifier as written in the test.
        id_value: String,
    },
    /// A feature has another value.
    Mismatch {
        /// The entity.
        entity: String,
        /// The id type selecting the instance.
        id_type: String,
        /// The identifier as written in the test.
        id_value: String,
        /// The feature.
        feature: String,
        /// The value the test expects.
        expected: Value,
        /// The value computed.
        actual: Value,
    },
}

impl fmt::Display for TestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestFailure::NoInstance {
                entity,
                id_type,
                id_value,
            } => write!(f, "no `{entity}` owns the {id_type} \"{id_value}\""),
            TestFailure::Mismatch {
                entity,
                id_type,
                id_value,
                feature,
                expected,
                actual,
            } => write!(
                f,
                "{entity}({id_type}: \"{id_value}\").{feature}: expected {expected}, computed {actual}"
            ),
        }
    }
}

/// Runs `test` on the reference implementation; returns the expectations that do not hold.
pub fn run_test(model: &Model, test: &TestDef) -> Result<Vec<TestFailure>, Error> {
    let where_ = || format!("test \"{}\"", test.name);
    let as_of = Timestamp::parse(&test.as_of).ok_or_else(|| {
        Error::new(format!("`as_of = \"{}\"` is not a timestamp", test.as_of))
            .at(where_())
            .with_help("write it as `YYYY-MM-DD HH:MM:SS`")
    })?;
    let tables = Tables::from_test(model, test)?;
    let mut run = Run::new(model, &tables, as_of)?;
    let mut failures = Vec::new();
    for expect in &test.expects {
        let Some(entity) = model.entity(&expect.entity) else {
            return Err(Error::new(format!("there is no entity `{}`", expect.entity)).at(where_()));
        };
        let Some(id_type) = model.id_types.get(&expect.id_type) else {
            return Err(
                Error::new(format!("there is no id type `{}`", expect.id_type)).at(where_()),
            );
        };
        let graph = graph_of(&run.graphs, &entity.name)?;
        let node = run
            .cleaner
            .clean(id_type, &Value::String(expect.id_value.clone()))?;
        let Some(instance) = node.and_then(|v| graph.instance(&id_type.name, &v)) else {
            failures.push(TestFailure::NoInstance {
                entity: entity.name.clone(),
                id_type: expect.id_type.clone(),
                id_value: expect.id_value.clone(),
            });
            continue;
        };
        let data = EntityData::new(entity, &run.sources, graph);
        let mut spine = Spine::new(
            &data,
            Some(instance),
            Some(as_of.micros()),
            &mut run.patterns,
        );
        for (feature, literal, _) in &expect.values {
            let Some(def) = entity.feature(feature) else {
                return Err(Error::new(format!(
                    "entity `{}` has no feature `{feature}`",
                    entity.name
                ))
                .at(where_()));
            };
            let expected = literal_value(literal, &def.ty).map_err(|e| {
                Error::new(format!("the expected value of `{feature}`: {e}")).at(where_())
            })?;
            let actual = spine.feature_value(feature)?;
            if !expected.same_as(&actual) {
                failures.push(TestFailure::Mismatch {
                    entity: entity.name.clone(),
                    id_type: expect.id_type.clone(),
                    id_value: expect.id_value.clone(),
                    feature: feature.clone(),
                    expected,
                    actual,
                });
            }
        }
    }
    Ok(failures)
}
