from django.dispatch import Signal

# Grading announces what it concluded; notifications listen (DESIGN.md: grading
# never imports who is told). Each is sent after commit, for grading as of now
# only (a replay of past times tells nobody).
#
# A new assessment: episode_id, assessment_id, acuity, previous_acuity (None
# for the episode's first assessment).
assessment_written = Signal()
# Prompt instances newly open (raised, or raised again when escalated):
# episode_id, prompt_ids.
prompts_opened = Signal()
# A physician answered a prompt: prompt_id, response_id, by_id.
prompt_answered = Signal()
