use std::collections::BTreeSet;

use super::*;

/// Seeds per family and level; 1,000 per family in all.
const SEEDS: u64 = 1_000;

/// The first seeds that give `family` at `level` (a level's draw picks the family from the seed).
fn incidents_of(family: Family, level: Level, count: usize) -> Vec<Incident> {
    let mut rng = ChaCha8Rng::seed_from_u64(family as u64);
    (0..count).map(|n| families::generate(family, n as u64 * 7919 + 1, level, &mut rng)).collect()
}

#[test]
fn the_same_seed_gives_the_same_incident_and_round() {
    for level in [Level::One, Level::Two, Level::Three] {
        for seed in [1, 2, 99, 123_456] {
            assert_eq!(generate(seed, level), generate(seed, level), "seed {seed} level {level:?}");
        }
        assert_eq!(round(7, level), round(7, level));
    }
    let families: BTreeSet<Family> = (0..40).map(|seed| generate(seed, Level::Two).family).collect();
    assert!(families.len() >= 6, "seeds spread over the families: {families:?}");
}

#[test]
fn a_round_is_five_incidents_of_five_families() {
    for level in [Level::One, Level::Two, Level::Three] {
        let incidents = round(42, level);
        assert_eq!(incidents.len(), 5);
        let families: BTreeSet<Family> = incidents.iter().map(|incident| incident.family).collect();
        assert_eq!(families.len(), 5, "{families:?}");
        assert!(incidents.iter().all(|incident| incident.level == level));
    }
}

#[test]
fn every_family_shows_its_fault_and_grades_right_and_wrong_answers() {
    for family in Family::ALL {
        let levels: Vec<Level> = [Level::One, Level::Two, Level::Three]
            .into_iter()
            .filter(|level| families::families_at(*level).contains(&family))
            .collect();
        let per_level = (SEEDS as usize).div_ceil(levels.len());
        let mut checked = 0;
        for &level in &levels {
            for incident in incidents_of(family, level, per_level) {
                let model = incident.model().expect("an incident simulates");
                assert!(
                    culprit::holds(&incident, &model),
                    "{family:?} level {level:?} seed {}: the trace does not show the fault (service {}, knobs {})",
                    incident.seed,
                    incident.service,
                    incident.knobs
                );
                let culprits = culprit_spans(&incident, &model);
                assert!(!culprits.is_empty(), "{family:?} seed {}: no culprit span", incident.seed);
                let right =
                    Answer { span: culprits.first().copied(), cause: Some(family), fix: Some(family) };
                let graded = grade(&incident, &model, &right);
                assert_eq!(
                    (graded.points, graded.span_right, graded.cause_right),
                    (graded.out_of, true, true)
                );
                let other = (0..model.trace.spans.len() as u32).find(|idx| !culprits.contains(idx));
                let other = other.unwrap_or_else(|| {
                    panic!("{family:?} seed {}: every span is the culprit", incident.seed)
                });
                let wrong = Answer { span: Some(other), cause: Some(next(family)), fix: None };
                let graded = grade(&incident, &model, &wrong);
                assert_eq!(
                    (graded.points, graded.span_right, graded.cause_right),
                    (0, false, false),
                    "{family:?}"
                );
                assert!(graded.explanation.iter().any(|sentence| sentence.starts_with("You picked")));
                checked += 1;
            }
        }
        assert!(checked >= SEEDS as usize, "{family:?}: {checked} incidents checked");
    }
}

fn next(family: Family) -> Family {
    Family::ALL[(family as usize + 1) % Family::ALL.len()]
}

#[test]
fn explanations_come_from_the_trace() {
    let incident = incidents_of(Family::SlowDependency, Level::One, 1).remove(0);
    let model = incident.model().expect("simulates");
    let graded = grade(&incident, &model, &Answer { span: None, cause: None, fix: None });
    assert_eq!(graded.points, 0);
    assert_eq!(graded.explanation[0], format!("Cause: {}.", Family::SlowDependency.cause()));
    let bottleneck = model.trace.analysis.bottleneck_sentence();
    assert!(bottleneck.starts_with(&incident.service), "{bottleneck}");
    assert_eq!(graded.explanation[1], format!("The bottleneck: {bottleneck}."));
}

#[test]
fn names_round_trip_and_levels_are_one_to_three() {
    for family in Family::ALL {
        assert_eq!(Family::from_name(family.name()), Some(family));
    }
    assert_eq!(Family::from_name("slow"), None);
    assert_eq!(Level::from_number(0), None);
    assert_eq!(Level::from_number(3), Some(Level::Three));
    assert!(Level::Three.asks_fix() && !Level::Two.asks_fix());
}

#[test]
fn interview_links_parse_and_fall_back_with_a_notice() {
    use session::Link;
    assert_eq!(Link::parse("#scenario=try-it&seed=1"), None);
    assert_eq!(Link::parse(""), None);
    assert_eq!(Link::parse("#interview=7&level=2"), Some(Link { seed: 7, level: Level::Two, notice: None }));
    assert_eq!(Link::to_hash(7, Level::Two), "#interview=7&level=2");
    let bad = Link::parse("#interview=x7&level=9").unwrap();
    assert_eq!((bad.seed, bad.level), (session::DEFAULT_SEED, Level::One));
    assert!(bad.notice.unwrap().contains("level \"9\" is not 1, 2 or 3"));
}

#[test]
fn a_session_grades_each_incident_and_adds_up_the_round() {
    let mut session = Session::start(7, Level::One);
    assert!(!session.can_submit());
    for number in 0..5 {
        let incident = session.incident().unwrap().clone();
        let culprit = *culprit_spans(&incident, session.model.as_ref().unwrap()).first().unwrap();
        session = session.update(SessionAction::View(crate::view::Action::Select(Some(culprit))));
        // Right on even incidents, the wrong cause on odd ones.
        let cause = if number % 2 == 0 {
            incident.family
        } else {
            *Family::ALL.iter().find(|family| **family != incident.family).unwrap()
        };
        session = session.update(SessionAction::PickCause(cause));
        assert!(session.can_submit());
        session = session.update(SessionAction::Submit);
        let grade = session.grade.clone().unwrap();
        assert_eq!((grade.span_right, grade.cause_right), (true, number % 2 == 0));
        assert!(session.culprits.contains(&culprit));
        session = session.update(SessionAction::Next);
    }
    assert!(session.is_over());
    assert_eq!(session.score(), (2 + 1 + 2 + 1 + 2, 10));
    assert_eq!(session.result(245), "You scored 8 of 10 points in 4 min 05 s.");
    let again = session.update(SessionAction::Start(7, Level::One));
    assert_eq!((again.index, again.grades.len(), again.attempt), (0, 0, 1), "the same round, afresh");
}
