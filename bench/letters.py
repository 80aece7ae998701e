"""Letter printing benchmark: `python bench/letters.py [--letters 10000] [--workers N]`.

Renders a batch of generated letters (a realistic Dutch letter of one page; one in three has
a second language: English, Turkish, Polish, Ukrainian or Arabic) into one print-ready PDF with
`bot.printer.pdf.letters_pdf`, and prints letters per second, CPU per letter, pages, the size
and the peak resident memory: of this process, of the largest worker (child), and of all
together (sampled every 50 ms with psutil). Goals on the 2-core machine: >= 50 letters/s and
<= 500 MB peak RSS in all.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import resource
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.printer.pdf import CHUNK_SIZE, Letter, LetterPart, Sender, letters_pdf  # noqa: E402

SENDER = Sender(
    name="Gemeente Voorbeeldstad",
    return_address=("Postbus 123", "1234 AB Voorbeeldstad"),
    phone="14 020",
    email="geldzorgen@voorbeeldstad.nl",
    website="www.voorbeeldstad.nl/geldzorgen",
)

FIRST = ("Mohamed", "Anna", "Fatma", "Piotr", "Olena", "Jan", "Sanne", "Ahmet", "Joanna", "Kees")
LAST = ("de Vries", "Öztürk", "Wiśniewska", "Kovalenko", "Jansen", "El Amrani", "Bakker",
        "Yılmaz", "Nowak", "van den Berg")
STREETS = ("Dorpsstraat", "Kerkplein", "Molenweg", "Julianalaan", "Stationsstraat", "Beukenlaan")
CREDITORS = ("uw energieleverancier", "uw zorgverzekeraar", "uw woningcorporatie",
             "uw drinkwaterbedrijf")

DUTCH = (
    "Wij hebben van {creditor} gehoord dat u een betalingsachterstand heeft. Dat kan iedereen "
    "overkomen, bijvoorbeeld als uw inkomen lager is geworden of als u onverwachte kosten had. "
    "Wij willen graag samen met u kijken hoe wij kunnen helpen, zodat de achterstand niet groter "
    "wordt.",
    "De gemeente helpt inwoners die moeite hebben om hun rekeningen te betalen. Wij kijken samen "
    "met u naar uw inkomsten en uitgaven, naar regelingen waar u misschien recht op heeft, zoals "
    "toeslagen of bijzondere bijstand, en naar een betalingsregeling met {creditor}.",
    "Het gesprek is gratis en u zit nergens aan vast. Wij behandelen uw gegevens vertrouwelijk. "
    "U kunt ons bellen op werkdagen tussen 9.00 en 17.00 uur op telefoonnummer 14 020. Wij "
    "kunnen ook bij u thuis langskomen als u dat prettiger vindt.",
    "Heeft u het al geregeld? Dan hoeft u niets te doen. Wilt u geen contact met ons? Laat het "
    "ons dan weten, dan nemen wij geen contact meer met u op over deze achterstand.",
)

SECOND = {
    "en": ("We would like to help you with your payment arrears", (
        "We have heard from {creditor} that you are behind with a payment. This can happen to "
        "anyone. We would like to look at how we can help you, so that the debt does not grow.",
        "The conversation is free and confidential. Call us on working days between 9:00 and "
        "17:00 on 14 020, or we can visit you at home.",
    ), "Kind regards,\n\nAnna de Vries\nFinancial help team"),
    "tr": ("Ödeme gecikmeniz konusunda size yardım etmek istiyoruz", (
        "Bir ödemenizin geciktiğini öğrendik. Bu herkesin başına gelebilir. Borcun büyümemesi "
        "için size nasıl yardımcı olabileceğimize birlikte bakmak istiyoruz.",
        "Görüşme ücretsiz ve gizlidir. Bizi iş günlerinde 9:00 ile 17:00 arasında 14 020 "
        "numarasından arayabilirsiniz. Şişli, çiğdem, ığdır, öğün, ünlü.",
    ), "Saygılarımızla,\n\nAnna de Vries"),
    "pl": ("Chcemy pomóc Państwu w spłacie zaległości", (
        "Dowiedzieliśmy się, że mają Państwo zaległość w płatnościach. Może to się zdarzyć "
        "każdemu. Chcielibyśmy wspólnie zastanowić się, jak możemy pomóc.",
        "Rozmowa jest bezpłatna i poufna. Zadzwoń do nas w dni robocze od 9:00 do 17:00 pod "
        "numer 14 020. Zażółć gęślą jaźń.",
    ), "Z poważaniem,\n\nAnna de Vries"),
    "uk": ("Ми хочемо допомогти вам із заборгованістю", (
        "Ми дізналися, що у вас є заборгованість за платежем. Це може статися з кожним. Ми "
        "хочемо разом із вами подивитися, як ми можемо допомогти, щоб борг не зростав.",
        "Розмова безкоштовна та конфіденційна. Телефонуйте нам у робочі дні з 9:00 до 17:00 "
        "за номером 14 020. Ґанок, їжак, єнот.",
    ), "З повагою,\n\nАнна де Фріс"),
    "ar": ("نود مساعدتك في متأخرات الدفع", (
        "علمنا أن لديك متأخرات في الدفع. يمكن أن يحدث هذا لأي شخص. نود أن ننظر معك في كيفية "
        "مساعدتك حتى لا يزداد الدين.",
        "المحادثة مجانية وسرية. اتصل بنا في أيام العمل بين الساعة 9:00 و17:00 على الرقم 14 020، "
        "أو يمكننا زيارتك في المنزل.",
    ), "مع أطيب التحيات،\n\nآنا دي فريس"),
}


def generate(count: int, seed: int = 7) -> list[Letter]:
    """`count` letters, the same for the same seed."""
    rng = random.Random(seed)
    letters = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        creditor = rng.choice(CREDITORS)
        dutch = LetterPart(
            locale="nl",
            subject="Wij willen u graag helpen met uw betalingsachterstand",
            paragraphs=(f"Beste {first} {last},", *(p.format(creditor=creditor) for p in DUTCH)),
            closing="Met vriendelijke groet,\n\nAnna de Vries\nTeam Geldzorgen",
        )
        parts = [dutch]
        if rng.random() < 1 / 3:
            locale = rng.choice(tuple(SECOND))
            subject, paragraphs, closing = SECOND[locale]
            parts.append(LetterPart(
                locale, subject, tuple(p.format(creditor=creditor) for p in paragraphs), closing
            ))
        postcode = f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}" \
                   f"{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"
        letters.append(Letter(
            reference=f"2026-{i + 1:06d}",
            date=date(2026, 12, 4) + timedelta(days=i % 3),
            recipient=(f"{first} {last}", f"{rng.choice(STREETS)} {rng.randint(1, 250)}",
                       f"{postcode} Voorbeeldstad"),
            parts=tuple(parts),
        ))
    return letters


class PeakRss:
    """Samples the RSS of this process and its children until stopped."""

    def __init__(self) -> None:
        self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.total = max(self.total, total)
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
    parser.add_argument("--out", type=Path, help="write the PDF here")
    args = parser.parse_args()

    letters = generate(args.letters)
    with PeakRss() as peak:
        start = time.perf_counter()
        cpu_start = time.process_time()
        pdf = letters_pdf(letters, SENDER, workers=args.workers, chunk_size=args.chunk_size)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
    main_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    if args.out:
        args.out.write_bytes(pdf)
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = len(doc.pages)
    mb = 1024 * 1024
    print(json.dumps({
        "letters": len(letters),
        "second_language": sum(len(letter.parts) > 1 for letter in letters),
        "workers": args.workers,
        "chunk_size": args.chunk_size,
        "seconds": round(seconds, 1),
        "letters_per_second": round(len(letters) / seconds, 1),
        "pages": pages,
        "pdf_mb": round(len(pdf) / mb, 1),
        "cpu_ms_per_letter": round((cpu + children.ru_utime + children.ru_stime)
                                   / len(letters) * 1000, 1),
        "peak_rss_mb_main": round(main_peak),
        "peak_rss_mb_largest_child": round(children.ru_maxrss / 1024),
        "peak_rss_mb_all_sampled": round(peak.total / mb),
    }, indent=2))


if __name__ == "__main__":
    main()
