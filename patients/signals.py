from django.dispatch import Signal

# Sent after commit whenever a patient's chart gains or corrects a row.
# Grading listens; the chart never imports grading (DESIGN.md, data flow).
# Arguments: patient_id, episode_id, trigger ("new_data" or "correction").
chart_changed = Signal()
