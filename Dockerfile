# One image for every motcua service; the command picks the service (see compose.yaml).
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY services services
COPY kiosk kiosk
COPY counter counter
COPY display display
# Face recognition without compiling dlib: the prebuilt dlib-bin, then face_recognition without its `dlib` pin.
RUN pip install --no-cache-dir '.[faces]' \
 && pip install --no-cache-dir --no-deps face_recognition face_recognition_models
USER nobody
ENV MOTCUA_HOST=0.0.0.0
ENTRYPOINT ["motcua"]
