# SkillGym's family images: the env server of one family (`--build-arg FAMILY=flight`), the
# same Dockerfile for every family, whose own part is containers/<family>/install.sh.
# Built by `skillgym images build`, which assembles the build context: wheels/ (the wheelhouse
# of skillgym[hub]'s dependencies, built on the host), requirements.txt (their pinned closure),
# pip.whl, app/ (the skillgym wheel of the source tree) and family/ (containers/<family>/).
# The classic builder (no BuildKit) builds it; apt needs `--network host`. Layers: base ->
# user -> venv (the same in every family image, built once and shared) -> the family's
# packages -> skillgym.
ARG BASE=skillgym/python-base:latest

# Every dependency of skillgym[hub], installed from the wheelhouse with pip run from its
# wheel: no index, no pip left in the venv, and the wheels stay in this stage.
FROM ${BASE} AS venv
ENV PIP_NO_INDEX=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
COPY pip.whl requirements.txt /build/
COPY wheels/ /build/wheels/
RUN python3 -m venv --without-pip /opt/skillgym \
 && /opt/skillgym/bin/python /build/pip.whl/pip install --find-links /build/wheels \
      --requirement /build/requirements.txt

# skillgym itself, into a prefix the image's last layer lays over the venv: a code change
# rebuilds only that layer.
FROM venv AS app
COPY app/ /build/app/
RUN /opt/skillgym/bin/python /build/pip.whl/pip install --no-deps --ignore-installed \
      --prefix /app /build/app/*.whl

FROM ${BASE}
ENV PATH=/opt/skillgym/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# The server's account, and the folder its Unix socket is in (the replica provider
# bind-mounts a host folder there).
RUN groupadd --gid 1000 skillgym \
 && useradd --uid 1000 --gid 1000 --create-home --home-dir /home/skillgym --shell /bin/bash skillgym \
 && install -d -o skillgym -g skillgym -m 0755 /run/skillgym
WORKDIR /home/skillgym
COPY --from=venv /opt/skillgym /opt/skillgym

# ---- the family: its install.sh (run as root, e.g. apt-get install), and the files beside it
# (kept in /etc/skillgym/family: the terminal family's packages.txt lists what its sandboxes have)
COPY family/ /etc/skillgym/family/
RUN sh /etc/skillgym/family/install.sh && rm -rf /var/lib/apt/lists/*
ARG FAMILY
ARG VERSION=unknown
LABEL org.skillgym.family=${FAMILY} org.skillgym.version=${VERSION}
ENV SKILLGYM_FAMILIES=${FAMILY} SKILLGYM_DATABASE_URL=none SKILLGYM_UDS=/run/skillgym/server.sock
USER skillgym
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-m", "skillgym.hub_server.replicas.healthcheck"]
CMD ["skillgym", "serve"]
COPY --from=app /app/ /opt/skillgym/
