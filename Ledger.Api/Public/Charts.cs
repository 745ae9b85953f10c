using System.Globalization;
using System.Text;
using static Ledger.Api.Public.Html;

namespace Ledger.Api.Public;

/// <summary>
/// Inline SVG charts people read at a glance, each with a title, a description and a table beside it
/// as the text equivalent (the figure's caption says what it shows).
/// </summary>
public static class Charts
{
    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Horizontal bars: one per label, value in fen, with the amount written at the bar's end.</summary>
    public static string Bars(string caption, IReadOnlyList<(string Label, long Value)> bars, Func<long, string>? format = null)
    {
        format ??= Money;
        if (bars.Count == 0) return "";
        var max = Math.Max(1, bars.Max(b => Math.Abs(b.Value)));
        const int width = 640, labelWidth = 190, row = 30;
        var height = bars.Count * row + 10;
        var sb = new StringBuilder();
        sb.Append($"<figure><figcaption>{E(caption)}</figcaption><svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{E(caption)}\"><title>{E(caption)}</title>");
        sb.Append("<desc>").Append(E(string.Join("; ", bars.Select(b => $"{b.Label}: {format(b.Value)}")))).Append("</desc>");
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value) = bars[i];
            var y = 5 + i * row;
            var w = (width - labelWidth - 120) * Math.Abs(value) / (double)max;
            sb.Append($"<text x=\"{labelWidth - 6}\" y=\"{y + 19}\" text-anchor=\"end\" font-size=\"13\" fill=\"#1f2933\">{E(label)}</text>");
            sb.Append($"<rect x=\"{labelWidth}\" y=\"{y + 5}\" width=\"{F(Math.Max(w, 1))}\" height=\"18\" rx=\"3\" fill=\"{(value < 0 ? "#b44d12" : "#1d6f42")}\"/>");
            sb.Append($"<text x=\"{F(labelWidth + w + 6)}\" y=\"{y + 19}\" font-size=\"13\" fill=\"#5f6b7a\">{E(format(value))}</text>");
        }
        return sb.Append("</svg></figure>").ToString();
    }

    /// <summary>Pairs of bars (budget against actual) per line.</summary>
    public static string Paired(string caption, string first, string second, IReadOnlyList<(string Label, long A, long B)> rows)
    {
        if (rows.Count == 0) return "";
        var max = Math.Max(1, rows.Max(r => Math.Max(r.A, r.B)));
        const int width = 640, labelWidth = 190, row = 40;
        var height = rows.Count * row + 30;
        var sb = new StringBuilder();
        sb.Append($"<figure><figcaption>{E(caption)}</figcaption><svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{E(caption)}\"><title>{E(caption)}</title>");
        sb.Append("<desc>").Append(E(string.Join("; ", rows.Select(r => $"{r.Label}: {first} {Money(r.A)}, {second} {Money(r.B)}")))).Append("</desc>");
        sb.Append($"<rect x=\"{labelWidth}\" y=\"4\" width=\"12\" height=\"10\" fill=\"#9fb3c8\"/><text x=\"{labelWidth + 16}\" y=\"13\" font-size=\"12\">{E(first)}</text>");
        sb.Append($"<rect x=\"{labelWidth + 140}\" y=\"4\" width=\"12\" height=\"10\" fill=\"#1d6f42\"/><text x=\"{labelWidth + 156}\" y=\"13\" font-size=\"12\">{E(second)}</text>");
        for (var i = 0; i < rows.Count; i++)
        {
            var (label, a, b) = rows[i];
            var y = 25 + i * row;
            double W(long v) => Math.Max(1, (width - labelWidth - 120) * v / (double)max);
            sb.Append($"<text x=\"{labelWidth - 6}\" y=\"{y + 20}\" text-anchor=\"end\" font-size=\"13\">{E(label)}</text>");
            sb.Append($"<rect x=\"{labelWidth}\" y=\"{y + 4}\" width=\"{F(W(a))}\" height=\"13\" fill=\"#9fb3c8\"/>");
            sb.Append($"<rect x=\"{labelWidth}\" y=\"{y + 19}\" width=\"{F(W(b))}\" height=\"13\" fill=\"#1d6f42\"/>");
            sb.Append($"<text x=\"{F(labelWidth + W(Math.Max(a, b)) + 6)}\" y=\"{y + 22}\" font-size=\"12\" fill=\"#5f6b7a\">{E(Money(b))} / {E(Money(a))}</text>");
        }
        return sb.Append("</svg></figure>").ToString();
    }

    /// <summary>A line over time (e.g. the fund's bank balance at each month end).</summary>
    public static string Line(string caption, IReadOnlyList<(string Label, long Value)> points, Func<long, string>? format = null)
    {
        format ??= Money;
        if (points.Count == 0) return "";
        const int width = 640, height = 220, left = 20, right = 20, top = 20, bottom = 40;
        var min = Math.Min(0, points.Min(p => p.Value));
        var max = Math.Max(1, points.Max(p => p.Value));
        double X(int i) => points.Count == 1 ? width / 2.0 : left + (width - left - right) * i / (double)(points.Count - 1);
        double Y(long v) => top + (height - top - bottom) * (1 - (v - min) / (double)(max - min));
        var sb = new StringBuilder();
        sb.Append($"<figure><figcaption>{E(caption)}</figcaption><svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{E(caption)}\"><title>{E(caption)}</title>");
        sb.Append("<desc>").Append(E(string.Join("; ", points.Select(p => $"{p.Label}: {format(p.Value)}")))).Append("</desc>");
        sb.Append($"<line x1=\"{left}\" y1=\"{F(Y(0))}\" x2=\"{width - right}\" y2=\"{F(Y(0))}\" stroke=\"#d9e2ec\"/>");
        sb.Append("<polyline fill=\"none\" stroke=\"#1d6f42\" stroke-width=\"2.5\" points=\"")
          .Append(string.Join(' ', points.Select((p, i) => $"{F(X(i))},{F(Y(p.Value))}"))).Append("\"/>");
        for (var i = 0; i < points.Count; i++)
        {
            sb.Append($"<circle cx=\"{F(X(i))}\" cy=\"{F(Y(points[i].Value))}\" r=\"3.5\" fill=\"#1d6f42\"/>");
            if (points.Count <= 13 || i % 2 == 0)
                sb.Append($"<text x=\"{F(X(i))}\" y=\"{height - 18}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#5f6b7a\">{E(points[i].Label)}</text>");
        }
        sb.Append($"<text x=\"{width - right}\" y=\"{top - 6}\" text-anchor=\"end\" font-size=\"11\" fill=\"#5f6b7a\">{E(format(points[^1].Value))}</text>");
        return sb.Append("</svg></figure>").ToString();
    }
}
