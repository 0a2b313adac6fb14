"""``hfgan push FOLDER REPO_ID``: upload the Hub repo of a saved pipeline or training run folder.

Exactly the repo: ``model_index.json``, the components, the card (rendered for REPO_ID), the images it shows,
the loss plot and the training config; never checkpoints, optimizer or RNG state, pickles or logs. A symlink or
special file among them that leads out of the folder (``losses.png -> ~/.cache/huggingface/token``) stops the push,
naming it; ``--dry-run`` lists those too.
"""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="a training run's output_dir, a folder written by save_pretrained, or pipelines/<name>")
    parser.add_argument("repo_id", help="target Hub repo, 'org/name'")
    parser.add_argument("--private", action="store_true", help="create the repo as private")
    parser.add_argument("--token", default=None, help="Hub token (default: the logged-in one)")
    parser.add_argument("--commit-message", default=None)
    parser.add_argument("--create-pr", action="store_true", help="open a pull request instead of committing to main")
    parser.add_argument("--dry-run", action="store_true",
                        help="list the files that would be uploaded (and those that would stop the push), upload nothing")


def dry_run(folder: str, repo_id: str) -> int:
    """Print what a push would upload and what would stop it; a one-line error when something would."""
    from ..errors import HFGANError
    from ..pipelines.publishing import push_plan

    files, refused = push_plan(folder, repo_id)
    print(f"would upload {len(files)} files of {folder} to {repo_id}:")
    print("\n".join(f"  {path}" for path in files))
    if refused:
        print(f"would refuse {len(refused)} file{'s' if len(refused) > 1 else ''}, which stop{'' if len(refused) > 1 else 's'} "
              "the push (only the folder's own regular files are uploaded):")
        print("\n".join(f"  {path}: {why}" for path, why in refused.items()))
        raise HFGANError(f"{len(refused)} file{'s' if len(refused) > 1 else ''} of {folder} would stop the push "
                         f"(listed above): {next(iter(refused))} first")
    return 0


def run(args) -> int:
    from ..hub import check_repo_id
    from ..pipelines.publishing import push_folder

    check_repo_id(args.repo_id)
    if args.dry_run:
        return dry_run(args.folder, args.repo_id)
    result = push_folder(args.folder, args.repo_id, private=args.private or None, token=args.token,
                         commit_message=args.commit_message, create_pr=args.create_pr)
    print(f"uploaded {args.folder} to {args.repo_id}: {result}")
    return 0
