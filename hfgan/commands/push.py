"""``hfgan push FOLDER REPO_ID``: upload a saved pipeline folder, exactly as it is, to the Hub."""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="a folder written by save_pretrained (or a published pipelines/<name>)")
    parser.add_argument("repo_id", help="target Hub repo, 'org/name'")
    parser.add_argument("--private", action="store_true", help="create the repo as private")
    parser.add_argument("--token", default=None, help="Hub token (default: the logged-in one)")
    parser.add_argument("--commit-message", default=None)
    parser.add_argument("--create-pr", action="store_true", help="open a pull request instead of committing to main")


def run(args) -> int:
    from ..hub import push_folder

    result = push_folder(args.folder, args.repo_id, private=args.private or None, token=args.token,
                         commit_message=args.commit_message, create_pr=args.create_pr)
    print(f"uploaded {args.folder} to {args.repo_id}: {result}")
    return 0
