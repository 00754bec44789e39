"""The command line: parse, load the configuration, build the store, call one job, map errors to exit codes.

    paniers [--config FICHIER] JOB [the job's options: ``paniers JOB --help``]

``python jobs.py ...`` does the same. Exit codes: 0 success (anomalies found are not a failure),
1 the run failed, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import os
import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sync import config as config_module
from sync.cli import FrenchParser
from sync.errors import PaniersError, UsageError
from sync.terminal import inert, printable

if TYPE_CHECKING:
    from sync.commands import Context

# `paniers --help`, a usage error and a tick that yields to a running one load no more than this: the store, the
# values' parsers and each job's modules are imported where they are used (tests/test_imports.py).

EXAMPLE_CONFIG = Path(__file__).resolve().parent / "config.example.toml"


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    """Crée les onglets manquants, avec leurs en-têtes, dans le classeur (local ou Google Sheet).

    Un onglet qui contient déjà des données n'est jamais modifié. Avec --demo, remplit les onglets
    vides avec un groupe fictif complet (producteurs, produits, ventes, réponses au formulaire).

    Exemple : paniers init --demo
    """
    from sync.commands import init

    return init.run(ctx, demo=args.demo)


def cmd_check(ctx: Context, args: argparse.Namespace) -> int:
    """Vérifie le catalogue, le calendrier des ventes et les commandes ; écrit l'onglet Anomalies.

    Recalcule aussi les onglets Commandes et Par producteur (les colonnes que vous y ajoutez sont
    conservées) et ajoute à Clients les foyers qui commandent pour la première fois. Chaque problème
    dit où regarder (onglet, ligne, colonne) et quoi faire. Des anomalies ne sont pas un échec : le
    code de sortie reste 0. Avec --now, tout est recalculé comme à ce moment-là. Pendant un « tick »,
    s'arrête sans rien écrire (relancez-le une minute plus tard).

    Exemple : paniers check
    """
    from sync.commands import check

    return check.run(ctx, sale=args.sale)


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    """Crée un groupe de démonstration dans un dossier (temporaire, ou --out DOSSIER), sans aucun compte.

    Exemple : paniers demo --out ./demo
    """
    from sync.commands import demo

    return demo.run(ctx, out=args.out)


def cmd_lists(ctx: Context, args: argparse.Namespace) -> int:
    """Écrit tous les documents imprimables d'une vente dans un dossier (PDF et tableurs).

    Pour chaque producteur : sa liste (à apporter, puis par foyer), son tableur, sa feuille
    d'encaissement ; pour la distribution : la feuille d'émargement et les récapitulatifs des foyers.
    Par défaut dans le dossier [lists] folder / CODE.

    Exemple : paniers lists --sale 2026-12 --out impressions
    """
    from sync.commands import lists

    return lists.run(ctx, args.sale, out=args.out)


def cmd_publish_form(ctx: Context, args: argparse.Namespace) -> int:
    """Réécrit les questions du formulaire Google d'une vente à partir du catalogue.

    Titre, dates, lieu et heure de la distribution ; Nom, Prénom, Téléphone ; une section par
    producteur avec un menu de quantités par produit ; un commentaire. Les questions déjà présentes
    sont gardées (mêmes colonnes dans le classeur). Le formulaire est celui de [forms] form_id (ou
    l'adresse d'édition donnée dans « Lien formulaire » de la vente), partagé en « Éditeur » avec le
    compte de service. --dry-run affiche le formulaire sans rien envoyer.

    Exemple : paniers publish-form --sale 2026-12 --dry-run
    """
    from sync.commands import publish_form

    return publish_form.run(ctx, sale=args.sale, dry_run=args.dry_run)


def cmd_tick(ctx: Context, args: argparse.Namespace) -> int:
    """Fait tout ce qui est dû maintenant : recalcule les onglets, envoie les e-mails prévus.

    À lancer par cron toutes les 10 à 15 minutes. Le relancer ne renvoie jamais un e-mail déjà parti
    (le Journal les note) ; deux passages ne se chevauchent jamais (le second s'arrête aussitôt).
    Si l'onglet Journal a disparu ou a été vidé alors que des e-mails sont partis, rien n'est envoyé :
    restaurez-le ; --new-journal confirme qu'aucun e-mail n'est jamais parti de ce classeur.

    Exemple : paniers tick --now "2026-12-10 20:05"
    """
    from sync.commands import tick

    return tick.run(ctx, args.sale, new_journal=args.new_journal)


def cmd_preview(ctx: Context, args: argparse.Namespace) -> int:
    """Écrit dans un dossier chaque e-mail que « tick » enverrait maintenant (HTML, texte, .eml), sans rien envoyer.

    Le dossier est [mail] preview (par défaut « apercu ») ; ouvrez son index.html dans un navigateur.

    Exemple : paniers preview --sale 2026-12 --now "2026-11-30 08:00"
    """
    from sync.commands import preview

    return preview.run(ctx, args.sale)


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    """Où en est chaque vente : phase, commandes, montants par producteur, prochaines étapes et leur date.

    Exemple : paniers status --sale 2026-12
    """
    from sync.commands import status

    return status.run(ctx, args.sale)


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    """Écrit le bilan d'une vente dans une page HTML à ouvrir ou imprimer (graphiques compris).

    Foyers (nouveaux et fidèles), chiffre d'affaires par producteur comparé à la même vente l'an
    dernier et aux trois ventes précédentes, produits épuisés et en combien de temps, foyers réguliers
    à recontacter. Sans --sale : la dernière vente distribuée. Par défaut dans bilan-CODE.html, à
    côté du fichier de configuration. N'écrit rien dans le classeur.

    Exemple : paniers report --sale 2026-12
    """
    from sync.commands import report

    return report.run(ctx, args.sale, out=args.out)


def cmd_plan(ctx: Context, args: argparse.Namespace) -> int:
    """Aide à préparer une vente d'après une vente passée : par produit, ce qui a été demandé et servi.

    Avec --like CODE : la vente qui sert de modèle ; avec --sale CODE seul : la vente comparable de
    l'an dernier (même mois, ou Noël et Pâques précédents). Dit aussi en combien de temps chaque
    produit à stock limité a été épuisé. --out enregistre le tableau (.xlsx ou .csv).

    Exemple : paniers plan --like 2025-NOEL --out noel.xlsx
    """
    from sync.commands import plan

    return plan.run(ctx, like=args.like, sale=args.sale, out=args.out)


def cmd_doctor(ctx: Context | None, args: argparse.Namespace) -> int:
    """Vérifie l'installation étape par étape et dit quoi faire : à lancer après chaque étape de docs/google.md.

    Configuration ; clé du compte de service (ou connexion avec votre compte) ; Google Sheet partagé ;
    onglets et colonnes obligatoires ; fuseau horaire ; formulaire de chaque vente ouverte ou à venir
    (accessible, relié à ce Google Sheet, questions conformes au catalogue, lien prérempli) ; serveur
    d'envoi (connexion, chiffrement, identification, sans rien envoyer). N'écrit rien, ni dans le
    classeur ni dans le formulaire. Avec --send-test, envoie UN e-mail de test au coordinateur
    ([group] coordinator_email). Code de sortie 0 si tout va bien (avertissements compris), 1 sinon.

    Exemple : paniers doctor --send-test
    """
    from sync.commands import doctor

    return doctor.run(args.config, lambda tz: parse_now(args.now, tz), lambda line: print(printable(line)),
                      environ=dict(os.environ),
                      send_test=args.send_test, sale=args.sale)


def cmd_site(ctx: Context, args: argparse.Namespace) -> int:
    """Construit le site internet public du groupe à partir du classeur (pages HTML, calendrier .ics).

    Accueil (prochaine distribution, bouton « Commander » pendant les commandes), produits de la vente,
    une page par producteur, calendrier et page « Nous rejoindre ». Rien sur les foyers, aucun stock, aucun
    montant vendu. Écrit dans [site] folder (par défaut le dossier « site » à côté de la configuration) ou
    --out ; seuls les fichiers qui changent sont réécrits. N'écrit rien dans le classeur. Quand [site]
    folder est renseigné, « tick » le reconstruit de lui-même dès que ce qu'il montre change. Voir docs/site.md.

    Exemple : paniers site --out site
    """
    from sync.commands import site

    return site.run(ctx, out=args.out)


JOBS = {
    "init": cmd_init,
    "check": cmd_check,
    "tick": cmd_tick,
    "preview": cmd_preview,
    "status": cmd_status,
    "demo": cmd_demo,
    "lists": cmd_lists,
    "publish-form": cmd_publish_form,
    "report": cmd_report,
    "plan": cmd_plan,
    "doctor": cmd_doctor,
    "site": cmd_site,
}
NEEDS_NO_CONFIG = {"demo"}
CHECKS_ITS_OWN_CONFIG = {"doctor"}  # a configuration that does not load is its first finding, not a stop


# The options each job takes, and only those: ``--now`` for the jobs whose result depends on the moment, ``--sale``
# for those that work on one sale. (``--config`` is everyone's, before or after the job's name.)
NOW = ("--now", dict(metavar="'AAAA-MM-JJ HH:MM'",
                     help="faire comme s'il était ce moment-là (heure du groupe) au lieu de maintenant"))
SALE = ("--sale", dict(metavar="CODE", help="ne traiter que cette vente (ex. 2026-12)"))
OPTIONS: dict[str, tuple[tuple[str, dict], ...]] = {
    "init": (("--demo", dict(action="store_true", help="remplir les onglets vides avec un groupe fictif complet")),),
    "check": (NOW, SALE),
    "tick": (NOW, SALE, ("--new-journal", dict(action="store_true", help=(
        "confirmer qu'aucun e-mail n'est jamais parti de ce classeur (onglet Journal vide)")))),
    "preview": (NOW, SALE),
    "status": (NOW, SALE),
    "demo": (("--out", dict(type=Path, metavar="DOSSIER", help="dossier où créer la démonstration")),),
    "lists": (NOW, ("--sale", dict(metavar="CODE", help="la vente (ex. 2026-12)")),
              ("--out", dict(type=Path, metavar="DOSSIER", help="dossier où écrire les documents"))),
    "publish-form": (NOW, ("--sale", dict(metavar="CODE",
                                          help="la vente dont le formulaire est réécrit (ex. 2026-12)")),
                     ("--dry-run", dict(action="store_true", help="afficher le formulaire sans rien envoyer"))),
    "report": (NOW, ("--sale", dict(metavar="CODE", help="la vente (par défaut : la dernière distribuée)")),
               ("--out", dict(type=Path, metavar="FICHIER", help="fichier HTML où écrire le bilan"))),
    "plan": (NOW, ("--like", dict(metavar="CODE", help="la vente passée qui sert de modèle (ex. 2025-NOEL)")),
             ("--sale", dict(metavar="CODE", help="la vente à préparer (ex. 2026-NOEL)")),
             ("--out", dict(type=Path, metavar="FICHIER",
                            help="enregistrer le tableau dans ce fichier (.xlsx ou .csv)"))),
    "doctor": (NOW, ("--sale", dict(metavar="CODE", help="ne vérifier que le formulaire de cette vente")),
               ("--send-test", dict(action="store_true",
                                    help="envoyer un e-mail de test au coordinateur ([group] coordinator_email)"))),
    "site": (NOW, ("--out", dict(type=Path, metavar="DOSSIER", help="dossier où écrire le site"))),
}


def build_parser() -> FrenchParser:
    parser = FrenchParser(
        prog="paniers",
        description="Paniers : les ventes mensuelles d'un groupe de producteurs, depuis un Google Sheet.",
        epilog="Aide d'une tâche : paniers TÂCHE --help (par exemple : paniers check --help).",
    )
    parser.add_argument("--config", type=Path, default=None, metavar="FICHIER",
                        help="fichier de configuration (par défaut : config.toml dans le dossier courant)")
    after_the_job = FrenchParser(add_help=False)  # ``paniers check --config FICHIER`` works too
    after_the_job.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    jobs = parser.add_subparsers(dest="job", metavar="TÂCHE", required=True, title="Tâches")
    for name, function in JOBS.items():
        doc = function.__doc__ or ""
        sub = jobs.add_parser(name, parents=[after_the_job], help=doc.strip().splitlines()[0],
                              description=inspect.cleandoc(doc))
        for flag, options in OPTIONS[name]:
            sub.add_argument(flag, **options)
    return parser


def parse_now(text: str | None, tz: ZoneInfo) -> datetime:
    """--now in the group's time zone; the real clock only when it is not given."""
    if not text:
        return datetime.now(tz).replace(microsecond=0)
    from sync.values import parse_datetime

    parsed = parse_datetime(text, tz)
    if not parsed.ok:
        raise UsageError(f"--now « {text} » est illisible : écrivez par exemple --now \"2026-12-01 08:00\".")
    return parsed.value


def load_config(path: Path | None, job: str):
    path = path or Path(config_module.DEFAULT_CONFIG_NAME)
    if job == "init" and not path.exists():
        text = EXAMPLE_CONFIG.read_text(encoding="utf-8") if EXAMPLE_CONFIG.exists() else ""
        path.write_text(text, encoding="utf-8")
        print(printable(f"Configuration créée : {path} (classeur local, e-mails écrits dans une boîte d'envoi "
                        "locale)."))
    return config_module.load(path)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sync.commands import Context, open_later  # after parsing: `--help` and usage errors load no job's modules

    try:
        if args.job in CHECKS_ITS_OWN_CONFIG:
            return JOBS[args.job](None, args)
        if args.job in NEEDS_NO_CONFIG and args.config is None:
            config = config_module.Config()
        else:
            config = load_config(args.config, args.job)
        now = parse_now(getattr(args, "now", None), config.tz)
        store = open_later(config)  # opened when the job first uses it
        ctx = Context(config, store, now, print, dict(os.environ))
        return JOBS[args.job](ctx, args)
    except PaniersError as exc:  # messages quote cells and file names: printed through ``printable`` too
        print(printable(f"Erreur : {exc}"), file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # the output was cut short (`paniers … | head`): nothing to report
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(printable("Interrompu."), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say so in French, keep the details for whoever fixes it
        sys.stderr.write(inert(traceback.format_exc()))
        print(printable(f"Erreur inattendue ({type(exc).__name__}) : {exc}. Le détail technique est ci-dessus ; "
                        "rien n'a été écrit à moitié."), file=sys.stderr)
        return 1


def _short_run_collector() -> None:
    """A run is a short process that builds hundreds of thousands of small objects (rows, cells, order lines)
    which live until it ends: Python's cyclic collector would walk them, and everything imported, again and
    again. What is loaded so far is set aside for good (``gc.freeze``) and collections come less often; the
    memory a run uses is unchanged (benchmarks/README.md)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def entry() -> int:
    """The command line's entry point (``paniers``, ``python jobs.py``): one run, then the process ends."""
    _short_run_collector()
    for stream in (sys.stdout, sys.stderr):
        # French output holds no-break spaces and « »: a terminal or a cron mail in a legacy encoding (Latin-1)
        # shows a « ? » instead of the run stopping on a UnicodeEncodeError
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    return main()


if __name__ == "__main__":
    sys.exit(entry())
