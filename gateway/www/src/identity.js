// Who this tab is: a name and a colour, from ?name= or made up.
const NAMES = ['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', 'Margaret', 'Dennis', 'Frances', 'Edsger', 'Radia'];
const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42a5a5', '#f032e6', '#9a6324'];

export function identity(params) {
	const pick = (list) => list[Math.floor(Math.random() * list.length)];
	return {
		name: params.get('name') || pick(NAMES),
		color: pick(COLORS),
	};
}
