"""The placement model in maths: the one statement of it, which the optimiser core builds
(:func:`placeplan.optimise.build_model`) and the report prints (as MathML). It lives on the
ground floor so that the documents can print it without importing the optimiser.
"""

FORMULATION = r"""
**Sets.** Periods $t \in T = \{0..T-1\}$ with weights $w_t$ (annual costs) and $\omega_t$
(capital). Demand groups $g \in G$, each in period $t_g$ with demand $d_g$ and fallback cost
$\varphi_g$ ($\varphi_g = \infty$: fallback forbidden, $g \in G^{\neq}$). Existing facilities
$e \in E$ with capacity $C_{e,t}$. Options $o \in O$ that may open in a period
$t \in T_o = \{\tau_o..T-1\}$, size $m_o + \sigma_o k$ for integer $0 \le k \le K_o$
($M_o = m_o + \sigma_o K_o$), fixed cost $F_o$, capital per place $P_o$, annual cost per place
$A_o$, annual running cost $R_o$ (a year open, whatever the size), minimum occupancy $\rho_o$.
Exclusive groups $X \in \mathcal X$: sets of options of which at most one opens. A group is
placed in its period and stays where it is placed: $\pi_{g,t}$ is the share of its units still
there in period $t$ ($\pi_{g,t_g} = 1$, $0$ before $t_g$; pupils continue until a transfer
point). Arcs $a = (g_a, f_a, c_a) \in \mathcal A$; $\mathcal A_{f}$ are the arcs into $f$,
$\mathcal A_g$ those leaving $g$; $\pi_{a,t} \le \pi_{g_a,t}$ is the share of the arc's units
still at $f_a$ (pupils leave a facility at an age it does not admit), $W_a = \sum_t w_t \pi_{a,t}$
and $W_g = \sum_t w_t \pi_{g,t}$. Rejoins $k \in \mathcal R$: a share $q_k$ of the units along
arc $a_k$ must be placed again, in group $g_k$ of a later period (they moved on to an age
their facility does not admit).

**Variables.** $x_a \ge 0$ units sent along arc $a$; $u_g \ge 0$ unplaced units of $g$
(only if $\varphi_g < \infty$); $z_{o,t} \in \{0,1\}$: option $o$ opens in period $t$;
$k_{o,t} \in \{0..K_o\}$ size steps taken when $o$ opens in $t$ (continuous when $\sigma_o = 0$).
Places of $o$ opened in $t$: $s_{o,t} = m_o z_{o,t} + \sigma_o k_{o,t}$; open by $t$:
$y_{o,t} = \sum_{t' \le t} z_{o,t'}$; places available in $t$:
$S_{o,t} = \sum_{t' \le t} r_{o,t-t'}\, s_{o,t'}$, where $r_{o,j} \in (0,1]$, never falling
and 1 from some year on, is the share of its places an option has in its $j$-th year open
(its intake: a provision opens with some places and grows); the weight of a per-place
annual cost of opening in $t$ is then $\bar w_{o,t} = \sum_{t' \ge t} w_{t'} r_{o,t'-t}$.

**Objective** (each term reported separately):
$$\min \underbrace{\sum_{o,t} \omega_t F_o z_{o,t}}_{\text{capital, fixed}}
 + \underbrace{\sum_{o,t} \omega_t P_o s_{o,t}}_{\text{capital, places}}
 + \underbrace{\sum_{o,t} A_o \bar w_{o,t} s_{o,t}}_{\text{annual places}}
 + \underbrace{\sum_{o,t} R_o \Big(\sum_{t' \ge t} w_{t'}\Big) z_{o,t}}_{\text{annual fixed}}
 + \underbrace{\sum_a W_a c_a x_a}_{\text{arcs}}
 + \underbrace{\sum_g W_g \varphi_g u_g}_{\text{fallback}}$$

**Constraints.**
$$\textstyle\sum_{a \in \mathcal A_g} x_a + u_g - \sum_{k \in \mathcal R: g_k = g} q_k x_{a_k} = d_g \quad \forall g \qquad\text{(demand, with the units that rejoin it: placed or reported unplaced)}$$
$$\textstyle\sum_{a \in \mathcal A_{e}} \pi_{a,t} x_a \le C_{e,t} \quad \forall e, t \qquad\text{(existing capacity)}$$
$$\textstyle\sum_{a \in \mathcal A_{o}} \pi_{a,t} x_a \le S_{o,t} \quad \forall o, t \qquad\text{(option capacity, from its opening period)}$$
$$\textstyle\sum_{a \in \mathcal A_{o}} \pi_{a,t} x_a \ge \rho_o S_{o,t} \quad \forall o, t \qquad\text{(minimum occupancy)}$$
$$x_a \le \min(D_{g_a}, M_{f_a})\, y_{f_a, t_{g_a}} \quad \forall a \text{ into an option} \qquad\text{(strong linking; } D_g \text{: } d_g \text{ and all that could rejoin } g)$$
$$k_{o,t} \le K_o z_{o,t}, \qquad \textstyle\sum_{t \in T_o} z_{o,t} \le 1 \;(= 1 \text{ if forced}, \text{no } z \text{ if excluded})$$
$$\textstyle\sum_{e} C_{e,t} + \sum_o S_{o,t} \ge \sum_{g \in G^{\neq}} \pi_{g,t} d_g \quad \forall t \qquad\text{(aggregate capacity cover, a valid cut: } \pi_{g,t} \text{ counts } g\text{'s units wherever they are, rejoined ones included; where they may rejoin a group that may fall back, } \min_{a \in \mathcal A_g} \pi_{a,t} \text{ instead)}$$
$$\textstyle\sum_{o,t} (F_o z_{o,t} + P_o s_{o,t}) \le B, \quad \sum_o (F_o z_{o,t} + P_o s_{o,t}) \le B_t \;\forall t \qquad\text{(capital budgets)}$$
$$\textstyle\sum_{o,t} z_{o,t} \le N \quad\text{or}\quad = p \qquad\text{(number of options opened, forced ones included)}$$
$$\textstyle\sum_{o \in X} \sum_{t \in T_o} z_{o,t} \le 1 \quad \forall X \in \mathcal X \qquad\text{(at most one option of each exclusive group)}$$
$$\textstyle\sum_{o \notin P} \sum_{t} z_{o,t} - \sum_{o \in P} \sum_{t} z_{o,t} \ge 1 - |P| \quad \forall P \in \mathcal P \qquad\text{(a plan other than each earlier one: alternatives)}$$
$$z_{o,t} = z_{o',t}, \quad k_{o,t} = k_{o',t} \quad \forall t,\; o \in Q \text{ and its first member } o' \quad \forall Q \in \mathcal Q \qquad\text{(options that open together: the copies of one option in a problem of several demand futures)}$$
$$\textstyle\sum_o (A'_o S_{o,t} + R_o y_{o,t}) \le V_t \quad \forall t \qquad\text{(annual running-cost budget, undiscounted; } A'_o = A_o \text{ unless given)}$$

Uncapacitated options ($M_o = \infty$) have no size, capacity or per-place cost: only
$z$ and the linking $x_a \le d_{g_a} y_{f_a,t_{g_a}}$. The classic special cases: capacitated
facility location (one period, fixed sizes $m_o = M_o$, fixed costs, fallback forbidden) and
p-median (uncapacitated options, $\sum z = p$, some forced open).
"""
