//! The bundled dataset's uncertain figures (docs/DATA.md, "Uncertainty"):
//! they load, and the forecast on them matches what can be worked out by hand.

use handover_core::forecast::Forecast;
use handover_core::projection::Model;
use handover_core::uncertainty::uncertain_inputs;

#[test]
fn the_bundled_uncertain_figures_are_the_documented_ones() {
    let loaded = handover_data::bundled().unwrap();
    let s = &loaded.scenario;
    let mut got: Vec<String> = s
        .uncertainty
        .iter()
        .map(|u| format!("{:?} {} {}", u.table, u.field, u.distribution))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "Capacity date delay(triangular(0, 0, 24))",
            "Lines lead_time_months triangular(36, 36, 84)",
        ]
    );
    // Each is sourced or marked as an estimate with a note saying why.
    for u in &s.uncertainty {
        let note = match u.field.as_str() {
            "date" => &s.capacity[u.row].provenance,
            _ => &s.lines[u.row].provenance,
        };
        assert!(note.source.is_some());
        assert!(note.note.as_deref().unwrap().contains("forecast:"));
    }
}

#[test]
fn interceptors_meet_the_2027_target_as_often_as_the_aster_slip_allows() {
    // Interceptor capacity is IRIS-T (800 a year) plus Aster (300 a year from
    // 2027-01-01 plus a slip of triangular(0, 0, 24) months, rounded to whole
    // months). The target, 1,000 a year, is met at 2027-12-31 exactly when
    // the rounded slip is at most 11 months: slip < 11.5. For a triangular
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
