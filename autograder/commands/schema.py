import argparse
import json

from ..spec.models import spec_json_schema

NAME = "schema"
HELP = "Print the JSON Schema of the assignment spec format."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print(json.dumps(spec_json_schema(), indent=2))
    return 0
