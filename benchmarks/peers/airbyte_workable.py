"""Runs Airbyte's Workable source (PyPI airbyte-source-workable, its own code) against ats-sim.

Same as the package's `source-workable` console script (source_workable.run:run), with one
change: the manifest's `definitions.base_requester.url_base`, which is
`https://{{ config['account_subdomain'] }}.workable.com`, is replaced after the manifest is
parsed by the value of ATS_PEER_URL_BASE (e.g. http://127.0.0.1:PORT, ats-sim's tenant). The
streams, paths, parameters, paginator, authenticator, CDK and entry point are the peer's own.

Run with the venv's python (benchmarks/peers/run.sh makes it):
  ATS_PEER_URL_BASE=http://127.0.0.1:PORT python airbyte_workable.py read --config c.json --catalog cat.json
"""
import os
import sys

from airbyte_cdk.sources.declarative.yaml_declarative_source import YamlDeclarativeSource
from source_workable.source import SourceWorkable

EXPECTED_URL_BASE = "https://{{ config['account_subdomain'] }}.workable.com"
url_base = os.environ["ATS_PEER_URL_BASE"]
parse_manifest = YamlDeclarativeSource._read_and_parse_yaml_file


def read_manifest_pointed_at_sim(self, path_to_yaml_file):
    manifest = parse_manifest(self, path_to_yaml_file)  # the package's manifest.yaml, as the CDK reads it
    requester = manifest["definitions"]["base_requester"]
    if requester.get("url_base") != EXPECTED_URL_BASE:  # another peer version: look again before comparing
        sys.exit("airbyte_workable.py: unexpected url_base %r in the peer's manifest" % requester.get("url_base"))
    requester["url_base"] = url_base
    return manifest


# Set on the peer's own class (not a subclass): the CDK finds manifest.yaml through the class's
# module, source_workable.
SourceWorkable._read_and_parse_yaml_file = read_manifest_pointed_at_sim

if __name__ == "__main__":
    from source_workable.run import run

    run()
