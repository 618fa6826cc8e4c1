"""Tests of .ci/image_tool.py: a good image passes `check`, each broken config fails it, and
`unpack` applies layers in order with whiteouts. Run: python3 -m unittest discover -s .ci -p 'test_image_tool.py'"""
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import unittest

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "image_tool.py")
GOOD = {
    "User": "10001:10001",
    "Entrypoint": ["java", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                   "-XX:+UseParallelGC", "-Xss4m", "-cp", "@/app/jib-classpath-file", "dev.moesaic.Moesaic"],
    "Cmd": ["serve"],
    "ExposedPorts": {"8080/tcp": {}},
    "Env": ["PATH=/opt/java/openjdk/bin:/usr/bin:/bin"],
}


def layer(files, gz=True):
    """A layer tar (gzipped like Jib's) with the given {name: bytes or None for a directory}."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue()) if gz else buf.getvalue()


def image(path, config, layers):
    with tarfile.open(path, "w") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        names = []
        for i, data in enumerate(layers):
            names.append(f"layer{i}.tar.gz")
            add(names[-1], data)
        add("config.json", json.dumps({"config": config}).encode())
        add("manifest.json", json.dumps([{"Config": "config.json", "Layers": names}]).encode())


def run(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True)


class ImageToolTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.path = os.path.join(self.dir.name, "image.tar")

    def check(self, config, layers=None):
        image(self.path, config, layers or [layer({"app/": None, "app/classes/A.class": b"x"})])
        return run("check", self.path)

    def test_good_image_passes(self):
        result = self.check(GOOD)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("user 10001:10001", result.stdout)

    def test_root_user_fails(self):
        for user in ("", "0", "root", "0:0"):
            result = self.check(dict(GOOD, User=user))
            self.assertNotEqual(result.returncode, 0, user)
            self.assertIn("non-root", result.stderr)

    def test_missing_jvm_flag_fails(self):
        entrypoint = [a for a in GOOD["Entrypoint"] if a != "-Xss4m"]
        result = self.check(dict(GOOD, Entrypoint=entrypoint))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("-Xss4m", result.stderr)

    def test_other_command_than_serve_fails(self):
        result = self.check(dict(GOOD, Cmd=["generate"]))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("serve", result.stderr)

    def test_missing_port_fails(self):
        result = self.check(dict(GOOD, ExposedPorts={}))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("8080/tcp", result.stderr)

    def test_baked_in_model_fails(self):
        result = self.check(GOOD, [layer({"models/": None, "models/x.gguf": b"GGUF"})])
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("models/x.gguf", result.stderr)

    def test_baked_in_credentials_fail(self):
        result = self.check(dict(GOOD, Env=GOOD["Env"] + ["MOESAIC_API_KEYS=sk-1"]))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("credentials", result.stderr)

    def test_unpack_applies_layers_in_order_with_whiteouts(self):
        image(self.path, GOOD, [
            layer({"etc/": None, "etc/a": b"old", "etc/gone": b"x", "opaque/": None, "opaque/old": b"x"}, gz=False),
            layer({"etc/": None, "etc/a": b"new", "etc/.wh.gone": b"", "opaque/": None,
                   "opaque/.wh..wh..opq": b"", "opaque/fresh": b"y"}),
        ])
        dest = os.path.join(self.dir.name, "rootfs")
        result = run("unpack", self.path, dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.path.join(dest, "etc/a"), "rb") as f:
            self.assertEqual(f.read(), b"new")
        self.assertFalse(os.path.exists(os.path.join(dest, "etc/gone")))
        self.assertEqual(sorted(os.listdir(os.path.join(dest, "opaque"))), ["fresh"])

    def test_pack_base_round_trips_through_unpack(self):
        rootfs = os.path.join(self.dir.name, "src")
        os.makedirs(os.path.join(rootfs, "opt/java/bin"))
        with open(os.path.join(rootfs, "opt/java/bin/java"), "w") as f:
            f.write("#!/bin/sh\n")
        os.symlink("java", os.path.join(rootfs, "opt/java/bin/link"))
        base = os.path.join(self.dir.name, "base.tar")
        result = run("pack-base", rootfs, base, "--env", "PATH=/opt/java/bin", "--tag", "t:1")
        self.assertEqual(result.returncode, 0, result.stderr)
        dest = os.path.join(self.dir.name, "out")
        self.assertEqual(run("unpack", base, dest).returncode, 0)
        self.assertTrue(os.path.isfile(os.path.join(dest, "opt/java/bin/java")))
        self.assertEqual(os.readlink(os.path.join(dest, "opt/java/bin/link")), "java")
        with tarfile.open(base) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
            config = json.load(tar.extractfile(manifest[0]["Config"]))
        self.assertEqual(manifest[0]["RepoTags"], ["t:1"])
        self.assertEqual(config["config"]["Env"], ["PATH=/opt/java/bin"])
        self.assertEqual(len(config["rootfs"]["diff_ids"]), 1)


if __name__ == "__main__":
    unittest.main()
