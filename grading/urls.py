from django.urls import path

from . import (
    audit_views,
    board_views,
    dose_views,
    news2_views,
    prompt_views,
    protocol_views,
    trajectory_views,
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    # A ward's page is its board; "board" is every ward at once.
    path("wards/<int:ward_id>/", board_views.board, name="ward_patients"),
    path("board/", board_views.board, name="board"),
    path("wards/<int:ward_id>/downtime/", board_views.ward_downtime, name="ward_downtime"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient_detail"),
    path("patients/<int:patient_id>/trajectory/", trajectory_views.trajectory, name="trajectory"),
    path(
        "patients/<int:patient_id>/downtime/",
        board_views.patient_downtime,
        name="patient_downtime",
    ),
    path("patients/<int:patient_id>/grade/", views.grade_panel, name="grade_panel"),
    path(
        "patients/<int:patient_id>/prompts/",
        prompt_views.bedside_prompts,
        name="bedside_prompts",
    ),
    path("patients/<int:patient_id>/history/", audit_views.patient_history, name="patient_history"),
    path("patients/<int:patient_id>/dose/", dose_views.record_dose, name="record_dose"),
    path("patients/<int:patient_id>/toci-stock/", dose_views.record_stock, name="record_stock"),
    path("doses/<int:medication_id>/verify/", dose_views.verify_dose, name="verify_dose"),
    path(
        "blocked-doses/<int:blocked_id>/review/",
        dose_views.review_blocked_dose,
        name="review_blocked_dose",
    ),
    # The bedside "drug given" form sits with the bedside forms but is charted
    # through the dose check, which is grading's.
    path("patients/<int:patient_id>/bedside/drugs/", dose_views.drug_entry, name="drug_entry"),
    path("pharmacy/", dose_views.pharmacy_queue, name="pharmacy_queue"),
    path(
        "prompts/<int:prompt_id>/respond/", prompt_views.respond_to_prompt, name="respond_to_prompt"
    ),
    path("wards/<int:ward_id>/protocol/", protocol_views.ward_protocol, name="ward_protocol"),
    path(
        "wards/<int:ward_id>/protocol/apply/",
        protocol_views.ward_protocol_apply,
        name="ward_protocol_apply",
    ),
    path(
        "patients/<int:patient_id>/protocol/",
        protocol_views.episode_protocol,
        name="episode_protocol",
    ),
    path(
        "patients/<int:patient_id>/news2-scale/",
        news2_views.episode_news2_scale,
        name="episode_news2_scale",
    ),
]
