using Panel.Domain.Common;

namespace Panel.Domain.Capacity;

/// <summary>A forecast: the memory it adds, how sure the model is, and what it was fitted on.</summary>
public sealed record MemoryForecast(long AddedBytes, long UncertaintyBytes, int Points, bool FromPrior, IReadOnlyList<string> Warnings);

/// <summary>
/// Synapse's memory as a base plus a cost per state event and per member of the rooms its users are
/// in, and per active user and device (ADR-010): fitted by least squares on this server's own
/// snapshots under its current memory settings, pulled towards a prior from published figures while
/// there are few of them. Each term is kept at zero or above: nothing makes Synapse lighter by being joined.
/// </summary>
public sealed class MemoryModel
{
    private const double MiB = 1024 * 1024;

    /// <summary>
    /// The prior, in MiB: an idle Synapse of about 110 MiB (measured on the Debian-built image), and
    /// about 0.085 MiB for each state event of a joined room, split between the state event and its
    /// member, from the Synapse docs' guidance that joining #matrix:matrix.org (10,684 state events,
    /// most of them members) needs about 1 GB; 1 MiB per active user and 0.5 MiB per device.
    /// </summary>
    public static readonly double[] Prior = [110, 0.05, 0.035, 1.0, 0.5];

    /// <summary>How many snapshots the prior is worth, for each term, while there are fewer than <see cref="MinimumPoints"/>.</summary>
    public const double PriorPoints = 1;

    /// <summary>What the prior is worth once there are <see cref="MinimumPoints"/> snapshots.</summary>
    public const double SettledPriorPoints = 0.01;

    /// <summary>Below this many snapshots, forecasts say they lean on the prior.</summary>
    public const int MinimumPoints = 6;

    private readonly LeastSquares.Fit _fit;
    private readonly ServerShape _largestSeen;

    private MemoryModel(LeastSquares.Fit fit, ServerShape largestSeen)
    {
        _fit = fit;
        _largestSeen = largestSeen;
    }

    public int Points => _fit.Points;

    public bool LeansOnPrior => _fit.Points < MinimumPoints;

    /// <summary>The fitted terms in MiB: base, per state event, per member, per active user, per device.</summary>
    public IReadOnlyList<double> CoefficientsMiB => _fit.Coefficients;

    public static MemoryModel Fit(IReadOnlyList<ShapeSample> samples)
    {
        var rows = samples.Select(s => Features(s.Shape)).ToList();
        var y = samples.Select(s => s.MemoryBytes / MiB).ToList();
        // While the history is short the prior counts as a point at the scale of this server's own
        // figures. Once there are enough, it counts a hundredth of one: enough to split what the data
        // cannot (state events and members grow together), too little to move what it can. At a
        // whole point it pulled a server's fitted cost per state event a third of the way towards
        // the published figure, six times what the forecast check measured on the Debian image.
        var strength = rows.Count >= MinimumPoints ? SettledPriorPoints : PriorPoints;
        var weights = new double[Prior.Length];
        for (var j = 0; j < Prior.Length; j++)
        {
            var scale = rows.Count == 0 ? 1 : rows.Average(r => r[j] * r[j]);
            weights[j] = strength * Math.Max(1, scale);
        }

        var prior = (double[])Prior.Clone();
        var fit = LeastSquares.Solve(rows, y, prior, weights);
        // A negative cost is noise (two terms that move together), not a saving: pin it at zero and refit the rest.
        for (var pass = 1; pass < Prior.Length; pass++)
        {
            var negative = Enumerable.Range(1, Prior.Length - 1).FirstOrDefault(j => fit.Coefficients[j] < 0 && prior[j] != 0);
            if (negative == 0)
            {
                break;
            }

            prior[negative] = 0;
            weights[negative] = 1e12;
            fit = LeastSquares.Solve(rows, y, prior, weights);
        }

        var largest = samples.Count == 0 ? ServerShape.Empty : new ServerShape(
            samples.Max(s => s.Shape.Rooms), samples.Max(s => s.Shape.StateEvents), samples.Max(s => s.Shape.Members),
            samples.Max(s => s.Shape.ActiveUsers), samples.Max(s => s.Shape.Devices));
        return new MemoryModel(fit, largest);
    }

    /// <summary>Synapse's memory for a shape, in bytes.</summary>
    public long Predict(ServerShape shape) => (long)(LeastSquares.Dot(Features(shape), _fit.Coefficients) * MiB);

    /// <summary>What adding <paramref name="added"/> to <paramref name="current"/> costs, with its uncertainty (about 95 %).</summary>
    public MemoryForecast Forecast(ServerShape current, ServerShape added)
    {
        var delta = Features(added);
        delta[0] = 0; // the base does not change
        var bytes = LeastSquares.Dot(delta, _fit.Coefficients) * MiB;
        // With too few points the residuals say little: a quarter of the forecast is the least it is off by.
        var sd = double.IsNaN(_fit.ResidualSd) || LeansOnPrior ? 0.25 * bytes / MiB : _fit.ResidualSd * Math.Sqrt(1 + LeastSquares.Quadratic(delta, _fit.Inverse));
        var warnings = new List<string>();
        if (LeansOnPrior)
        {
            warnings.Add($"Fitted on {Points} snapshot(s) of this server: the forecast leans on published figures until there are {MinimumPoints}.");
        }

        var after = current.Plus(added);
        if (Points > 0 && (after.StateEvents > _largestSeen.StateEvents * 1.5 || after.Members > _largestSeen.Members * 1.5))
        {
            warnings.Add(FormattableString.Invariant(
                $"This goes beyond what the model was fitted on (at most {_largestSeen.StateEvents:N0} state events and {_largestSeen.Members:N0} members): read it as a rough guide."));
        }

        return new MemoryForecast((long)bytes, (long)(1.96 * sd * MiB), Points, LeansOnPrior, warnings);
    }

    /// <summary>How many more of <paramref name="perUser"/> fit in <paramref name="headroomBytes"/> (0 when none does).</summary>
    public int HowManyFit(ServerShape current, ServerShape perUser, long headroomBytes)
    {
        var each = Forecast(current, perUser).AddedBytes;
        return each <= 0 || headroomBytes <= 0 ? 0 : (int)Math.Min(100_000, headroomBytes / each);
    }

    private static double[] Features(ServerShape s) => [1, s.StateEvents, s.Members, s.ActiveUsers, s.Devices];

    public override string ToString()
    {
        // A term pinned at zero comes out of the solver as a hair below it: shown as 0, not "-0".
        var c = _fit.Coefficients.Select(x => Math.Abs(x) < 0.0005 ? 0 : x).ToArray();
        return FormattableString.Invariant(
            $"{c[0]:0} MiB + {c[1]:0.###} MiB/state event + {c[2]:0.###} MiB/member + {c[3]:0.##} MiB/active user + {c[4]:0.##} MiB/device ({Points} points, ±{new ByteSize((long)(1.96 * _fit.ResidualSd * MiB))})");
    }
}
