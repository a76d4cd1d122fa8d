//! The JSON rendering of a plan: the `Plan` value serialized exactly as docs/architecture.md describes it
//! (also the body of saved plan files). PURE: no shaping of its own, so what machines read
//! is what the text and Markdown renderers read.

use crate::plan::Plan;

pub(super) fn render(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).expect("a plan serializes") + "\n"
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{empty_plan, sample_plan};
    use super::super::{Format, Style, render, render_drift};
    use crate::plan::Plan;

    const PLAIN: Style = Style { color: false };

    #[test]
    fn plan_with_every_action() {
        insta::assert_snapshot!(render(&sample_plan(), Format::Json, &PLAIN));
    }

    #[test]
    fn plan_without_changes() {
        insta::assert_snapshot!(render(&empty_plan(), Format::Json, &PLAIN));
    }

    #[test]
    fn reads_back_as_the_same_plan() {
        let plan = sample_plan();
        let text = render(&plan, Format::Json, &PLAIN);
        assert_eq!(serde_json::from_str::<Plan>(&text).unwrap(), plan);
    }

    #[test]
    fn drift_json_is_the_plan_json() {
        let plan = sample_plan();
        assert_eq!(
            render_drift(&plan, Format::Json, &PLAIN),
            render(&plan, Format::Json, &PLAIN)
        );
    }
}
