"""Time regrade() at 1/7/28-day stays. Run: python .scratch/bench_regrade.py [seed|time|profile]"""
import os, sys, time, random, statistics
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crsmonitor.settings")
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from django.db import connection
from bench.unit import COURSES, Chart, _admit, _person
from patients.models import Ward, LabTest, Episode
from grading.services import regrade

mode = sys.argv[1]
if mode == "seed":
    now = timezone.now()
    ward = Ward.objects.create(name="Regrade bench", protocol="A")
    nurse = _person("rb.nurse", "nurse")
    chart = Chart(nurse, LabTest.objects.in_bulk(field_name="code"))
    course = COURSES[3]  # grade 3 on norepinephrine
    rng = random.Random(1)
    for bed, days in ((1, 1), (2, 7), (3, 28)):
        ep = _admit(ward, bed, now - timedelta(days=days), rng)
        ep.infusion_at = now - timedelta(days=days); ep.save()
        chart.course(ep, course, now, rng)
    chart.save()
    print("seeded")
else:
    eps = Episode.objects.filter(patient__ward__name="Regrade bench").order_by("patient__bed")
    for ep in eps:
        regrade(ep, trigger="new_data")
    res = {}
    for ep in eps:
        n = [0]
        def count(execute, *a):
            n[0] += 1
            return execute(*a)
        with connection.execute_wrapper(count):
            regrade(ep, trigger="new_data")
        times = []
        for _ in range(7):
            t = time.perf_counter(); regrade(ep, trigger="new_data"); times.append((time.perf_counter() - t) * 1000)
        res[ep.patient.bed] = statistics.median(times)
        print(f"bed {ep.patient.bed}: vitals={ep.vitals_sets.count() if hasattr(ep,'vitals_sets') else '?'} queries={n[0]} median {statistics.median(times):.1f} ms")
    print(f"28d/1d = {res['3']/res['1']:.2f}x  28d/7d = {res['3']/res['2']:.2f}x")
    if mode == "profile":
        import cProfile, pstats
        ep = eps[2]
        cProfile.run("regrade(ep, trigger='new_data')", "/tmp/regrade.prof")
        pstats.Stats("/tmp/regrade.prof").sort_stats("cumulative").print_stats(35)
