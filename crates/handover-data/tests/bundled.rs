//! The bundled dataset's uncertain figures (docs/DATA.md, "Uncertainty"):
//! they load, and the forecast on them matches what can be worked out by hand.

use handover_core::forecast::Forecast;
use handover_core::projection::Model;
use handover_core::uncertainty::uncertain_inputs;

#[test]
fn the_bundled_uncertain_figures_are_sourced_and_explained() {
    let loaded = handover_data::bundled().unwrap();
    let s = &loaded.scenario;
    // Issue 15: at least 30 figures given as ranges become distributions.
    assert!(s.uncertainty.len() >= 30, "{}", s.uncertainty.len());
    // Each sits on a row that cites sources of sources.csv and whose note
    // says where the bounds come from (docs/DATA.md, "Uncertainty").
    for u in &s.uncertainty {
        let row = handover_core::table::RowRef::new(u.table, u.row);
        let p = s
            .provenance(row)
            .expect("an uncertain figure is on a row with provenance");
        let source = p
            .source
            .as_deref()
            .unwrap_or_else(|| panic!("{row}: no source"));
        for item in handover_core::scenario::source_items(source) {
            assert!(
                s.source(item).is_some(),
                "{row}: `{item}` is not in sources.csv"
            );
        }
        assert!(
            p.note.as_deref().is_some_and(|n| n.len() > 20),
            "{row} {}: no note",
            u.field
        );
    }
}

#[test]
fn interceptors_meet_the_2027_target_as_often_as_the_aster_slip_allows() {
    // Interceptor capacity is IRIS-T (uniform on 800-1,000 a year, below
    // the target on its own) plus Aster (300 a year from 2027-01-01 plus a
    // slip of triangular(0, 0, 24) months, rounded to whole months); the
    // PAC-3 line is American and GEM-T has no capacity figure. The target,
    // 1,000 a year, is met at 2027-12-31 exactly when the rounded slip is at
    // most 11 months: slip < 11.5. For a triangular
    // with its mode at 0, P(slip < x) = 1 - ((24 - x) / 24)^2.
    let loaded = handover_data::bundled().unwrap();
    let s = &loaded.scenario;
    let model = Model::compile(s);
    let n = 40_000;
    let f = Forecast::new(s, &model, uncertain_inputs(s, &model), n, 11)
        .unwrap()
        .run();
    let cap = f
        .capabilities
        .iter()
        .find(|c| c.id == "interceptors")
        .unwrap();
    let d = cap
        .deadlines
        .iter()
        .find(|d| d.deadline == "us-2027")
        .unwrap();
    let exact = 1.0 - (12.5f64 / 24.0).powi(2);
    let se = (exact * (1.0 - exact) / n as f64).sqrt();
    assert!(
        (d.p_met - exact).abs() < 4.0 * se,
        "P(met) {} vs closed form {exact} (4 SE = {})",
        d.p_met,
        4.0 * se
    );
    // The slip is what drives it.
    assert!(d.sensitivity[0].input.contains("capacity.csv"));
    assert!(d.sensitivity[0].rho < -0.5);
}
