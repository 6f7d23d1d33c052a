// Word lists for datasets/generate-nli.ts. Every noun phrase carries its article; hypernyms are what
// an entailment may generalise to (a violin is a musical instrument), so the reverse is neutral.

export interface Verb {
  past: string;
  base: string;
}

export interface Action {
  verb: Verb;
  /** Same meaning, for entailment by paraphrase. */
  paraphrase?: Verb;
  /** Incompatible with `verb` for the same event, for contradiction by antonym. */
  antonym?: Verb;
  /** Object categories the verb takes. */
  objects: string[];
}

export interface Category {
  hypernym: string;
  members: string[];
}

export const CATEGORIES: Record<string, Category> = {
  fruit: { hypernym: 'a piece of fruit', members: ['a mango', 'a pineapple', 'a melon', 'a lemon', 'a pear', 'a peach'] },
  vehicle: { hypernym: 'a vehicle', members: ['a bicycle', 'a car', 'a motorbike', 'a van', 'a scooter', 'a tractor'] },
  instrument: { hypernym: 'a musical instrument', members: ['a violin', 'a guitar', 'a piano', 'a flute', 'a drum', 'a trumpet'] },
  animal: { hypernym: 'an animal', members: ['a horse', 'a puppy', 'a goat', 'a parrot', 'a rabbit', 'a kitten'] },
  furniture: { hypernym: 'a piece of furniture', members: ['a chair', 'a table', 'a sofa', 'a bookshelf', 'a desk', 'a wardrobe'] },
  book: { hypernym: 'a book', members: ['a novel', 'a cookbook', 'a dictionary', 'an atlas', 'a biography', 'a travel guide'] },
  clothing: { hypernym: 'a piece of clothing', members: ['a jacket', 'a scarf', 'a sweater', 'a raincoat', 'a hat', 'a dress'] },
  tool: { hypernym: 'a tool', members: ['a hammer', 'a saw', 'a screwdriver', 'a wrench', 'a drill', 'a shovel'] },
  vegetable: { hypernym: 'a vegetable', members: ['a carrot', 'a cabbage', 'a pumpkin', 'an onion', 'a cucumber', 'a potato'] },
  contest: { hypernym: 'a competition', members: ['the chess match', 'the race', 'the quiz', 'the tennis final', 'the debate', 'the cooking contest'] },
  door: { hypernym: 'something', members: ['the door', 'the window', 'the gate', 'the drawer', 'the shop', 'the box'] },
};

const v = (past: string, base: string): Verb => ({ past, base });

export const ACTIONS: Action[] = [
  { verb: v('bought', 'buy'), paraphrase: v('purchased', 'purchase'), antonym: v('sold', 'sell'), objects: ['fruit', 'vehicle', 'instrument', 'animal', 'furniture', 'book', 'clothing', 'tool', 'vegetable'] },
  { verb: v('repaired', 'repair'), paraphrase: v('fixed', 'fix'), antonym: v('broke', 'break'), objects: ['vehicle', 'instrument', 'furniture', 'tool'] },
  { verb: v('found', 'find'), paraphrase: v('discovered', 'discover'), antonym: v('lost', 'lose'), objects: ['animal', 'book', 'clothing', 'tool', 'instrument'] },
  { verb: v('borrowed', 'borrow'), antonym: v('lent out', 'lend out'), objects: ['book', 'tool', 'instrument', 'vehicle'] },
  { verb: v('carried', 'carry'), paraphrase: v('hauled', 'haul'), antonym: v('left behind', 'leave behind'), objects: ['tool', 'book', 'instrument', 'fruit', 'furniture', 'vegetable'] },
  { verb: v('fed', 'feed'), paraphrase: v('gave food to', 'give food to'), objects: ['animal'] },
  { verb: v('played', 'play'), paraphrase: v('performed on', 'perform on'), objects: ['instrument'] },
  { verb: v('wore', 'wear'), paraphrase: v('had on', 'have on'), antonym: v('took off', 'take off'), objects: ['clothing'] },
  { verb: v('ate', 'eat'), paraphrase: v('consumed', 'consume'), antonym: v('threw away', 'throw away'), objects: ['fruit', 'vegetable'] },
  { verb: v('read', 'read'), paraphrase: v('looked through', 'look through'), objects: ['book'] },
  { verb: v('photographed', 'photograph'), paraphrase: v('took a picture of', 'take a picture of'), objects: ['animal', 'vehicle', 'furniture', 'instrument'] },
  { verb: v('painted', 'paint'), paraphrase: v('put paint on', 'put paint on'), objects: ['furniture', 'vehicle', 'door'] },
  { verb: v('opened', 'open'), antonym: v('closed', 'close'), objects: ['door'] },
  { verb: v('won', 'win'), paraphrase: v('came first in', 'come first in'), antonym: v('lost', 'lose'), objects: ['contest'] },
  { verb: v('cooked', 'cook'), paraphrase: v('prepared', 'prepare'), objects: ['vegetable'] },
  { verb: v('washed', 'wash'), paraphrase: v('cleaned', 'clean'), objects: ['vehicle', 'clothing', 'furniture', 'vegetable', 'fruit', 'animal'] },
];

/** People: `specific` may be generalised to `hypernym` (a surgeon is a doctor); everyone is a person. */
export interface Occupation {
  noun: string;
  hypernym?: string;
}

export const OCCUPATIONS: Occupation[] = [
  { noun: 'teacher' },
  { noun: 'nurse' },
  { noun: 'surgeon', hypernym: 'doctor' },
  { noun: 'pilot' },
  { noun: 'farmer' },
  { noun: 'baker' },
  { noun: 'fisherman' },
  { noun: 'student' },
  { noun: 'chef', hypernym: 'cook' },
  { noun: 'lawyer' },
  { noun: 'painter', hypernym: 'artist' },
  { noun: 'violinist', hypernym: 'musician' },
  { noun: 'mechanic' },
  { noun: 'librarian' },
  { noun: 'gardener' },
  { noun: 'journalist', hypernym: 'reporter' },
  { noun: 'firefighter' },
  { noun: 'waiter' },
  { noun: 'engineer' },
  { noun: 'carpenter', hypernym: 'craftsman' },
  { noun: 'pharmacist' },
  { noun: 'plumber' },
];

export const ADJECTIVES = ['young', 'old', 'tall', 'tired', 'cheerful', 'quiet', 'retired', 'new', 'local', 'busy'];
export const NAMES = ['Anna', 'Omar', 'Li Wei', 'Priya', 'Tom', 'Sofia', 'Kwame', 'Elena', 'Mateo', 'Hana', 'Jonas', 'Fatima', 'Ivan', 'Amara', 'Ravi', 'Chloe'];

export const PLACES = [
  'in the park', 'at the market', 'near the station', 'in the garden', 'at the harbour', 'in the kitchen', 'on the farm',
  'in the village', 'at the museum', 'behind the school', 'at the fair', 'in the garage', 'on the beach', 'in the city centre',
];
export const TIMES = ['yesterday', 'on Sunday', 'this morning', 'last week', 'after lunch', 'in the evening', 'on Friday night', 'before dawn'];

/** Unsupported details a neutral hypothesis may add: a reason, a purpose or a beneficiary. */
export const REASONS = [
  'because a friend asked', 'to surprise the family', 'for a birthday', 'because it was raining', 'to win a bet',
  'for the first time', 'as a favour to a neighbour', 'to prepare for a trip', 'before the guests arrived', 'while waiting for a bus',
];
/** Adjectives that add an unsupported property to an object. */
export const OBJECT_DETAILS = ['an expensive', 'a second-hand', 'a red', 'a tiny', 'a heavy', 'a brand-new', 'a borrowed', 'a blue'];

/** State sentences: `the <noun> was <adjective>`; the antonym contradicts, `not <antonym>` is entailed. */
export interface Quality {
  adjective: string;
  antonym: string;
  synonym?: string;
  nouns: string[];
}

export const QUALITIES: Quality[] = [
  { adjective: 'quiet', antonym: 'noisy', synonym: 'silent', nouns: ['the library', 'the street', 'the classroom', 'the office', 'the café'] },
  { adjective: 'crowded', antonym: 'empty', synonym: 'packed', nouns: ['the bus', 'the station', 'the café', 'the beach', 'the museum', 'the market'] },
  { adjective: 'hot', antonym: 'cold', synonym: 'very warm', nouns: ['the soup', 'the coffee', 'the kitchen', 'the bath', 'the tea'] },
  { adjective: 'clean', antonym: 'dirty', synonym: 'spotless', nouns: ['the kitchen', 'the floor', 'the car', 'the shirt', 'the bathroom'] },
  { adjective: 'open', antonym: 'closed', nouns: ['the shop', 'the bakery', 'the museum', 'the pharmacy', 'the bank', 'the gate'] },
  { adjective: 'wet', antonym: 'dry', synonym: 'soaked', nouns: ['the grass', 'the towel', 'the road', 'the dog', 'the laundry'] },
  { adjective: 'bright', antonym: 'dark', synonym: 'well lit', nouns: ['the room', 'the hallway', 'the stage', 'the garage', 'the studio'] },
  { adjective: 'full', antonym: 'empty', nouns: ['the bottle', 'the basket', 'the glass', 'the fridge', 'the box'] },
  { adjective: 'early', antonym: 'late', synonym: 'ahead of schedule', nouns: ['the train', 'the bus', 'the ferry', 'the flight', 'the delivery'] },
];
export const QUALITY_DETAILS = ['because of the holiday', 'as usual', 'for the whole afternoon', 'for once', 'because of the weather', 'again'];
