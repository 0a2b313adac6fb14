"""``hfgan push FOLDER REPO_ID``: upload the Hub repo of a saved pipeline or training run folder.

Exactly the repo: ``model_index.json``, the components, the card (rendered for REPO_ID), the images it shows,
the loss plot and the training config; never checkpoints, optimizer or RNG state, pickles or logs.
"""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="a training run's output_dir, a folder written by save_pretrained, or pipelines/<name>")
    parser.add_argument("repo_id", help="target Hub repo, 'org/name'")
    parser.add_argument("--private", action="store_true", help="create the repo as private")
    parser.add_argument("--token", default=None, help="Hub token (default: the logged-in one)")
    parser.add_argument("--commit-message", default=None)
    parser.add_argument("--create-pr", action="store_true", help="open a pull request instead of committing to main")
    parser.add_argument("--dry-run", action="store_true", help="list the files that would be uploaded, upload nothing")


def run(args) -> int:
    from ..hub import push_folder

    result = push_folder(args.folder, args.repo_id, dry_run=args.dry_run, private=args.private or None,
                         token=args.token, commit_message=args.commit_message, create_pr=args.create_pr)
    if args.dry_run:
        print(f"would upload {len(result)} files of {args.folder} to {args.repo_id}:")
        print("\n".join(f"  {path}" for path in result))
        return 0
    print(f"uploaded {args.folder} to {args.repo_id}: {result}")
    return 0
