namespace Panel.Domain.Capacity;

/// <summary>
/// Linear least squares with a prior: minimises Σ(y − x·b)² + Σⱼ λⱼ(bⱼ − pⱼ)², so that with few or
/// alike points the coefficients stay near the prior, and with many they follow the data. Small
/// systems only (a handful of terms), solved directly.
/// </summary>
public static class LeastSquares
{
    public sealed record Fit(double[] Coefficients, double[,] Inverse, double ResidualSd, int Points);

    public static Fit Solve(IReadOnlyList<double[]> rows, IReadOnlyList<double> y, double[] prior, double[] priorWeights)
    {
        var p = prior.Length;
        var a = new double[p, p];
        var rhs = new double[p];
        for (var i = 0; i < rows.Count; i++)
        {
            for (var j = 0; j < p; j++)
            {
                rhs[j] += rows[i][j] * y[i];
                for (var k = 0; k < p; k++)
                {
                    a[j, k] += rows[i][j] * rows[i][k];
                }
            }
        }

        for (var j = 0; j < p; j++)
        {
            a[j, j] += priorWeights[j];
            rhs[j] += priorWeights[j] * prior[j];
        }

        var inverse = Invert(a);
        var b = new double[p];
        for (var j = 0; j < p; j++)
        {
            for (var k = 0; k < p; k++)
            {
                b[j] += inverse[j, k] * rhs[k];
            }
        }

        var rss = 0.0;
        for (var i = 0; i < rows.Count; i++)
        {
            var e = y[i] - Dot(rows[i], b);
            rss += e * e;
        }

        // Degrees of freedom: the prior counts as information, so a fit of n points keeps at least one.
        var sd = rows.Count == 0 ? double.NaN : Math.Sqrt(rss / Math.Max(1, rows.Count - p + 1));
        return new Fit(b, inverse, sd, rows.Count);
    }

    public static double Dot(double[] x, double[] b)
    {
        var sum = 0.0;
        for (var j = 0; j < b.Length; j++)
        {
            sum += x[j] * b[j];
        }

        return sum;
    }

    /// <summary>xᵀ A x: how uncertain a prediction at x is, in units of the residual variance.</summary>
    public static double Quadratic(double[] x, double[,] a)
    {
        var sum = 0.0;
        for (var j = 0; j < x.Length; j++)
        {
            for (var k = 0; k < x.Length; k++)
            {
                sum += x[j] * a[j, k] * x[k];
            }
        }

        return sum;
    }

    /// <summary>Gauss–Jordan with partial pivoting; the prior's weights keep the matrix invertible.</summary>
    private static double[,] Invert(double[,] a)
    {
        var n = a.GetLength(0);
        var m = (double[,])a.Clone();
        var inv = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            inv[i, i] = 1;
        }

        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(m[pivot, col]) < 1e-300)
            {
                throw new InvalidOperationException("The system cannot be solved: a term has neither data nor a prior.");
            }

            Swap(m, col, pivot, n);
            Swap(inv, col, pivot, n);
            var d = m[col, col];
            for (var k = 0; k < n; k++)
            {
                m[col, k] /= d;
                inv[col, k] /= d;
            }

            for (var r = 0; r < n; r++)
            {
                if (r == col || m[r, col] == 0)
                {
                    continue;
                }

                var f = m[r, col];
                for (var k = 0; k < n; k++)
                {
                    m[r, k] -= f * m[col, k];
                    inv[r, k] -= f * inv[col, k];
                }
            }
        }

        return inv;
    }

    private static void Swap(double[,] m, int a, int b, int n)
    {
        if (a == b)
        {
            return;
        }

        for (var k = 0; k < n; k++)
        {
            (m[a, k], m[b, k]) = (m[b, k], m[a, k]);
        }
    }
}
