using System.Globalization;

namespace Panel.Domain.Common;

/// <summary>A number of bytes that prints the way people read it (1.5 GiB).</summary>
public readonly record struct ByteSize(long Bytes)
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static ByteSize FromMebibytes(long mebibytes) => new(mebibytes * 1024 * 1024);

    public double Mebibytes => Bytes / 1024d / 1024d;

    public override string ToString()
    {
        double value = Bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{Bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {Units[unit]}");
    }
}
