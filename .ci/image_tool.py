#!/usr/bin/env python3
"""Image tar helpers for the CI image check (no daemon, standard library only).

  pack-base ROOTFS OUT.tar --env K=V... --tag NAME:TAG
      Packs a root filesystem as a one-layer image in `docker save` format, usable as Jib's tar:// base.
  check IMAGE.tar
      Asserts the image config a cluster relies on: non-root user, entrypoint with the JVM flags and
      main class, `serve` as argument, port 8080, java on PATH, and no model file in any layer.
  unpack IMAGE.tar DIR
      Applies the layers in order (honouring whiteouts) to DIR, to run the image's filesystem.
  run-args IMAGE.tar
      Prints the entrypoint + cmd (one per line) and the environment (K=V) for running the rootfs.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile

JVM_FLAGS = ["--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-Xss4m"]
MAIN_CLASS = "dev.moesaic.Moesaic"
MODEL_SUFFIXES = (".gguf", ".safetensors", ".bin", ".pt")


def fail(message):
    print(f"image check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def pack_base(rootfs, out, envs, tag):
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in sorted(os.listdir(rootfs)):
            tar.add(os.path.join(rootfs, entry), arcname=entry, filter=_numeric_owner)
    layer_bytes = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": envs, "Cmd": ["/bin/bash"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "debootstrap --variant=minbase + jlink (.ci/image-base.sh)"}],
    }
    config_bytes = json.dumps(config, indent=2).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_name = diff_id.split(":")[1] + "/layer.tar"
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": [layer_name]}]
    with tarfile.open(out, "w") as image:
        _add_bytes(image, config_name, config_bytes)
        _add_bytes(image, layer_name, layer_bytes)
        _add_bytes(image, "manifest.json", json.dumps(manifest).encode())


def _numeric_owner(info):
    info.uname = info.gname = ""
    return info


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def read_image(path):
    """(manifest entry, config, list of layer member names) of a `docker save`-style tar."""
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        if len(manifest) != 1:
            fail(f"{path} holds {len(manifest)} images, expected 1")
        entry = manifest[0]
        config = json.load(tar.extractfile(entry["Config"]))
    return entry, config, entry["Layers"]


def layer_members(image_tar, layer_name):
    raw = image_tar.extractfile(layer_name).read()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    return tarfile.open(fileobj=io.BytesIO(data))


def check(path):
    entry, config, layers = read_image(path)
    c = config.get("config", {})
    problems = []
    user = c.get("User", "")
    uid = user.split(":")[0]
    if uid in ("", "0", "root"):
        problems.append(f"User is {user!r}: the image must run as a non-root user")
    entrypoint = c.get("Entrypoint") or []
    cmd = c.get("Cmd") or []
    command = entrypoint + cmd
    if not entrypoint or os.path.basename(entrypoint[0]) != "java":
        problems.append(f"Entrypoint {entrypoint} does not start java")
    for flag in JVM_FLAGS:
        if flag not in entrypoint:
            problems.append(f"Entrypoint {entrypoint} lacks JVM flag {flag}")
    if "--add-modules" in entrypoint and entrypoint[entrypoint.index("--add-modules") + 1:][:1] != ["jdk.incubator.vector"]:
        problems.append("--add-modules is not followed by jdk.incubator.vector")
    if MAIN_CLASS not in command:
        problems.append(f"main class {MAIN_CLASS} is not in {command}")
    elif command[command.index(MAIN_CLASS) + 1:][:1] != ["serve"]:
        problems.append(f"the command after {MAIN_CLASS} is not `serve`: {command}")
    if "8080/tcp" not in (c.get("ExposedPorts") or {}):
        problems.append(f"ExposedPorts {c.get('ExposedPorts')} lacks 8080/tcp")
    env = dict(e.split("=", 1) for e in c.get("Env", []))
    if "/opt/java/openjdk/bin" not in env.get("PATH", "").split(":") and "JAVA_HOME" not in env:
        problems.append(f"neither PATH nor JAVA_HOME points at a JDK: {env}")
    if any(k.startswith("MOESAIC_API_KEYS") or k.startswith("MOESAIC_ADMIN_TOKEN") for k in env):
        problems.append("credentials are baked into the image environment")
    models = []
    with tarfile.open(path) as tar:
        for layer in layers:
            with layer_members(tar, layer) as members:
                models += [m.name for m in members.getmembers() if m.isfile() and m.name.endswith(MODEL_SUFFIXES)]
    if models:
        problems.append(f"model files are baked into the image: {models[:5]}")
    for p in problems:
        print(f"image check: {p}", file=sys.stderr)
    if problems:
        fail(f"{len(problems)} problem(s) in {path}")
    print(f"image check: {path}: user {user}, {len(layers)} layers, entrypoint {' '.join(entrypoint)}, cmd {cmd}, "
          f"ports {sorted(c.get('ExposedPorts') or {})}, no model files")


def unpack(path, dest):
    os.makedirs(dest, exist_ok=True)
    _, _, layers = read_image(path)
    with tarfile.open(path) as tar:
        for layer in layers:
            with layer_members(tar, layer) as members:
                for m in members.getmembers():
                    name = os.path.normpath(m.name).lstrip("/")
                    if name.startswith(".."):
                        fail(f"layer {layer} has an entry outside the root: {m.name}")
                    base = os.path.basename(name)
                    if base == ".wh..wh..opq":
                        _clear(os.path.join(dest, os.path.dirname(name)))
                        continue
                    if base.startswith(".wh."):
                        _remove(os.path.join(dest, os.path.dirname(name), base[4:]))
                        continue
                    target = os.path.join(dest, name)
                    if os.path.lexists(target) and not (m.isdir() and os.path.isdir(target)):
                        _remove(target)
                    members.extract(m, dest, set_attrs=True, numeric_owner=True, filter="fully_trusted")


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def _clear(directory):
    if os.path.isdir(directory):
        for entry in os.listdir(directory):
            _remove(os.path.join(directory, entry))


def run_args(path):
    _, config, _ = read_image(path)
    c = config.get("config", {})
    print(json.dumps({"command": (c.get("Entrypoint") or []) + (c.get("Cmd") or []), "env": c.get("Env", []),
                      "user": c.get("User", ""), "workdir": c.get("WorkingDir", "/")}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pack-base")
    p.add_argument("rootfs")
    p.add_argument("out")
    p.add_argument("--env", action="append", default=[])
    p.add_argument("--tag", required=True)
    sub.add_parser("check").add_argument("image")
    p = sub.add_parser("unpack")
    p.add_argument("image")
    p.add_argument("dest")
    sub.add_parser("run-args").add_argument("image")
    args = parser.parse_args()
    if args.command == "pack-base":
        pack_base(args.rootfs, args.out, args.env, args.tag)
    elif args.command == "check":
        check(args.image)
    elif args.command == "unpack":
        unpack(args.image, args.dest)
    else:
        run_args(args.image)


if __name__ == "__main__":
    main()
