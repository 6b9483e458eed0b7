FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY clinical clinical
COPY crsmonitor crsmonitor
COPY patients patients
COPY grading grading
RUN pip install --no-cache-dir .
COPY . .
# With DEBUG off: the production storage writes hashed, compressed copies.
RUN DEBUG=false python manage.py collectstatic --no-input
RUN useradd --system crsmonitor
USER crsmonitor
EXPOSE 8000
CMD ["gunicorn", "crsmonitor.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
