"""The raw-SQL floor of the board: hand-written SQL that fetches exactly what
a ward's board shows, and nothing else, timed in the same run as the board.

The board is "fast enough" when it costs a small multiple of this floor: the
rest is Python building the cards and the template drawing them. What a card
shows (grading/board.py, templates/grading/board.html):

1. per active episode: the patient, the ward's settings, the current
   assessment (grades, reasons, acuity, due times, details), the highest
   grades ever, the last grade from new data, the last vitals set (and the
   last sets that recorded the oxygen and the vasopressors, with their
   drugs), the last neurological assessment, the tocilizumab stock and what
   this user last saw;
2. the grades of the last 72 h (the sparkline and "rising");
3. the live prompts with their responses;
4. the doses given and the weights (the dose counters).
"""

import time

from django.db import connection

from bench.timing import Timing

EPISODES = """
SELECT e.id, e.product, e.infusion_at, e.protocol, e.news2_scale, e.chart_changed_at,
       e.graded_through, p.id, p.mrn, p.family_name, p.given_name, p.date_of_birth, p.sex,
       p.bed, w.*,
       a.id, a.evaluated_at, a.trigger, a.crs_grade, a.icans_grade, a.crs_reasons,
       a.icans_reasons, a.acuity, a.news2_score, a.vitals_due_at, a.neuro_due_at, a.details,
       top.max_crs, top.max_icans, fresh.evaluated_at,
       v.id, v.observed_at, v.temperature_c, v.heart_rate, v.systolic, v.diastolic,
       v.mean_arterial, v.respiratory_rate, v.spo2,
       o.observed_at, o.oxygen_device, o.oxygen_flow_l_min,
       pv.observed_at, pv.drugs,
       n.*,
       s.doses_on_site, s.recorded_at,
       seen.crs_grade, seen.icans_grade
FROM patients_episode e
JOIN patients_patient p ON p.id = e.patient_id
JOIN patients_ward w ON w.id = p.ward_id
LEFT JOIN LATERAL (
    SELECT * FROM grading_assessment
    WHERE episode_id = e.id ORDER BY evaluated_at DESC, id DESC LIMIT 1
) a ON true
LEFT JOIN LATERAL (
    SELECT max(crs_grade) AS max_crs, max(icans_grade) AS max_icans
    FROM grading_assessment WHERE episode_id = e.id
) top ON true
LEFT JOIN LATERAL (
    SELECT evaluated_at FROM grading_assessment
    WHERE episode_id = e.id AND trigger IN ('new_data', 'correction')
    ORDER BY evaluated_at DESC LIMIT 1
) fresh ON true
LEFT JOIN LATERAL (
    SELECT * FROM patients_vitalsset
    WHERE episode_id = e.id AND entered_in_error_at IS NULL AND observed_at <= %(now)s
    ORDER BY observed_at DESC, id DESC LIMIT 1
) v ON true
LEFT JOIN LATERAL (
    SELECT * FROM patients_vitalsset
    WHERE episode_id = e.id AND entered_in_error_at IS NULL AND observed_at <= %(now)s
      AND oxygen_device <> ''
    ORDER BY observed_at DESC, id DESC LIMIT 1
) o ON true
LEFT JOIN LATERAL (
    SELECT vs.observed_at,
           ARRAY(SELECT drug FROM patients_vasopressor WHERE vitals_id = vs.id) AS drugs
    FROM patients_vitalsset vs
    WHERE vs.episode_id = e.id AND vs.entered_in_error_at IS NULL
      AND vs.observed_at <= %(now)s AND vs.vasopressors_recorded
    ORDER BY vs.observed_at DESC, vs.id DESC LIMIT 1
) pv ON true
LEFT JOIN LATERAL (
    SELECT * FROM patients_neuroassessment
    WHERE episode_id = e.id AND entered_in_error_at IS NULL AND observed_at <= %(now)s
    ORDER BY observed_at DESC, id DESC LIMIT 1
) n ON true
LEFT JOIN LATERAL (
    SELECT doses_on_site, recorded_at FROM grading_tocilizumabstock
    WHERE episode_id = e.id ORDER BY recorded_at DESC, id DESC LIMIT 1
) s ON true
LEFT JOIN LATERAL (
    SELECT sa.crs_grade, sa.icans_grade
    FROM grading_boardseen b JOIN grading_assessment sa ON sa.id = b.assessment_id
    WHERE b.episode_id = e.id AND b.user_id = %(user)s LIMIT 1
) seen ON true
WHERE e.discharged_at IS NULL AND p.ward_id = %(ward)s
"""

HISTORY = """
SELECT a.episode_id, a.evaluated_at, a.crs_grade, a.icans_grade
FROM patients_episode e
JOIN patients_patient p ON p.id = e.patient_id
CROSS JOIN LATERAL (
    (SELECT episode_id, evaluated_at, crs_grade, icans_grade FROM grading_assessment
     WHERE episode_id = e.id AND evaluated_at <= %(since)s
     ORDER BY evaluated_at DESC, id DESC LIMIT 1)
    UNION ALL
    (SELECT episode_id, evaluated_at, crs_grade, icans_grade FROM grading_assessment
     WHERE episode_id = e.id AND evaluated_at > %(since)s AND evaluated_at <= %(now)s)
) a
WHERE e.discharged_at IS NULL AND p.ward_id = %(ward)s
ORDER BY a.episode_id, a.evaluated_at
"""

PROMPTS = """
SELECT pr.id, pr.episode_id, pr.code, pr.severity, pr.text, pr.source, pr.dose_text,
       pr.state, pr.raised_at, pr.grade_scale, pr.grade, pr.raised_again_because,
       r.response, r.reason, r.at
FROM grading_prompt pr
JOIN patients_episode e ON e.id = pr.episode_id
JOIN patients_patient p ON p.id = e.patient_id
LEFT JOIN grading_promptresponse r ON r.prompt_id = pr.id
WHERE e.discharged_at IS NULL AND p.ward_id = %(ward)s AND pr.state IN ('open', 'acknowledged')
"""

DOSES = """
SELECT m.episode_id, m.observed_at, m.drug, m.drug_other, m.dose_mg
FROM patients_medicationadministration m
JOIN patients_episode e ON e.id = m.episode_id
JOIN patients_patient p ON p.id = e.patient_id
WHERE e.discharged_at IS NULL AND p.ward_id = %(ward)s
  AND m.entered_in_error_at IS NULL AND m.observed_at <= %(now)s
"""

WEIGHTS = """
SELECT m.episode_id, m.observed_at, m.weight_kg
FROM patients_weightmeasurement m
JOIN patients_episode e ON e.id = m.episode_id
JOIN patients_patient p ON p.id = e.patient_id
WHERE e.discharged_at IS NULL AND p.ward_id = %(ward)s
  AND m.entered_in_error_at IS NULL AND m.observed_at <= %(now)s
ORDER BY m.episode_id, m.observed_at, m.id
"""

QUERIES = (EPISODES, HISTORY, PROMPTS, DOSES, WEIGHTS)


def board_rows(*, ward_id: int, user_id: int, now, since) -> list[list[tuple]]:
    """Every row the board's cards are drawn from, in five queries."""
    params = {"ward": ward_id, "user": user_id, "now": now, "since": since}
    results = []
    with connection.cursor() as cursor:
        for sql in QUERIES:
            cursor.execute(sql, params)
            results.append(cursor.fetchall())
    return results


def measure_floor(what: str, *, ward_id: int, user_id: int, now, since, times: int) -> Timing:
    for _ in range(2):
        board_rows(ward_id=ward_id, user_id=user_id, now=now, since=since)
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        board_rows(ward_id=ward_id, user_id=user_id, now=now, since=since)
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(what, 0, len(QUERIES), samples)
